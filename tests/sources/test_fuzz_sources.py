"""Property tests: generated and mutated input never escapes the Kubernetes and plan JSON sources as an exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine.evaluate import evaluate
from scanner.engine.params import RuleParams
from scanner.engine.registry import load_rules
from scanner.sources.interface import LoadContext
from scanner.sources.kubernetes import load_text
from scanner.sources.terraform.plan import PlanSource

ROOT = Path(__file__).resolve().parents[2]
SEED_YAML = (ROOT / "fixtures" / "seed" / "k8s-deployment.yaml").read_text() + "---\n" + (
    ROOT / "fixtures" / "seed" / "k8s-secret.yaml").read_text()
PLAN = json.loads((ROOT / "fixtures" / "terraform" / "plan" / "plan.json").read_text())
RULES = load_rules()
FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """The text with a few characters deleted, duplicated or replaced."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(chars) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "replace"]))
        if op == "delete":
            del chars[i]
        elif op == "duplicate":
            chars.insert(i, chars[i] * draw(st.integers(1, 4)))
        else:
            chars[i] = draw(st.sampled_from(list(":-[]{}&*!|>#'\"\n\t 0aZ")))
    return "".join(chars)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _replace_subtree(value: Any, path: list[int], new: Any) -> Any:
    """Replace the node reached by following `path` (indices into children) with `new`."""
    if not path or not isinstance(value, (dict, list)) or not value:
        return new
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[key] = _replace_subtree(value[key], path[1:], new)  # type: ignore[index]
    return copy


@FUZZ
@given(mutated(SEED_YAML))
def test_kubernetes_source_never_raises(text: str) -> None:
    result = load_text(text, "fuzz.yaml")
    evaluate(result.assets, RULES, RuleParams())


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("apiVersion: kind\n- &*[]{}'\"#|>0123 ")), max_size=300))
def test_kubernetes_source_on_yaml_soup(text: str) -> None:
    load_text(text, "soup.yaml")


@FUZZ
@given(st.lists(st.integers(0, 50), min_size=1, max_size=6), json_values)
def test_plan_source_on_structurally_mutated_plans(path: list[int], new: Any) -> None:
    _check_plan(json.dumps(_replace_subtree(PLAN, path, new)))


@FUZZ
@given(mutated(json.dumps(PLAN, indent=1)))
def test_plan_source_on_textually_mutated_plans(text: str) -> None:
    _check_plan(text)


def _check_plan(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.json"
        plan.write_text(text)
        result = PlanSource().load([plan], LoadContext(cwd=Path(tmp)))
        evaluate(result.assets, RULES, RuleParams())
