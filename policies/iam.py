"""IAM family: least privilege, no public principals, no standing admin rights.

Rules read `AccessGrant`s: AWS policy statements (identity, resource and trust
policies), Azure role definitions and assignments, GCP IAM bindings and
Kubernetes RBAC rules and bindings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policies._support import Deferred, join
from scanner.engine.findings import Severity
from scanner.engine.params import RuleParams
from scanner.engine.registry import Violation, rule
from scanner.model import NARROWING_CONDITION_KEYS, Access, AccessGrant, GrantKind, Scope, is_public_principal, known

# Roles that amount to full control of everything at their scope, directly or by granting any role
# (IAM and RBAC administrators) or acting as any service account of the project (CIS GCP 1.6).
_PRIVILEGED_ROLES = frozenset(
    {"owner", "contributor", "user access administrator", "role based access control administrator",
     "roles/owner", "roles/editor", "roles/resourcemanager.projectiamadmin",
     "roles/resourcemanager.organizationadmin", "roles/resourcemanager.folderadmin", "roles/iam.securityadmin",
     "roles/iam.serviceaccountuser", "roles/iam.serviceaccounttokencreator", "cluster-admin", "administratoraccess"}
)
# AWS actions that only enumerate metadata and accept no resource-level scoping.
_ENUMERATION_PREFIXES = ("describe", "list")


def _full_wildcard(action: str) -> bool:
    return action.strip() in ("*", "*:*")


def _service_wildcard(action: str) -> bool:
    """`s3:*`, `Microsoft.Storage/*`: every action of a service."""
    a = action.strip()
    return _full_wildcard(a) or a.endswith((":*", "/*"))


def _broad_resource(resource: str) -> bool:
    r = resource.strip()
    if r == "*":
        return True
    if r.startswith("arn:"):
        parts = r.split(":", 5)
        # arn:partition:service:region:account:resource — a wildcard for the whole
        # resource part, or for the account, reaches everything of that service.
        return len(parts) == 6 and (parts[5].startswith("*") or parts[4] == "*")
    return _kubernetes_group_wildcard(r)


# --- Kubernetes RBAC: resources are `group/resource[/subresource][/name]` (`core` for the core group), and
# non-resource URLs keep their leading `/`.

# API groups whose every resource amounts to the whole cluster: the core group holds the Secrets and
# pods/exec, the RBAC group the permissions themselves.
_KUBERNETES_ADMIN_GROUPS = frozenset({"core/*", "rbac.authorization.k8s.io/*"})
# Metrics APIs (the HPA's): their resources are metric names, which cannot be listed in advance.
_KUBERNETES_METRICS_GROUPS = frozenset(
    {"metrics.k8s.io/*", "custom.metrics.k8s.io/*", "external.metrics.k8s.io/*"}
)
_KUBERNETES_READ_VERBS = frozenset({"get", "list", "watch"})
# Verbs on resources that let the holder raise its own privileges (Kubernetes RBAC good practices):
# creating any role, binding any role, acting as any user, and running commands in pods.
_KUBERNETES_ESCALATIONS = (
    ("escalate", "rbac.authorization.k8s.io/roles"),
    ("escalate", "rbac.authorization.k8s.io/clusterroles"),
    ("bind", "rbac.authorization.k8s.io/roles"),
    ("bind", "rbac.authorization.k8s.io/clusterroles"),
    ("impersonate", "core/users"),
    ("impersonate", "core/groups"),
    ("impersonate", "core/serviceaccounts"),
    ("impersonate", "authentication.k8s.io/userextras/*"),
    ("impersonate", "authentication.k8s.io/uids"),
    ("create", "core/pods/exec"),
    ("create", "core/pods/attach"),
)


def _kubernetes_group_wildcard(resource: str) -> bool:
    """`apps/*`: every resource of one API group."""
    return resource.endswith("/*") and resource.count("/") == 1 and not resource.startswith("/")


def _kubernetes_covers(granted: str, wanted: str) -> bool:
    """Whether an RBAC resource (`*`, `core/*`, `*/secrets`, `core/pods/*`, …) covers `group/resource[/sub]`."""
    if granted == "*":
        return True
    if "/" not in granted or granted.startswith("/"):
        return False
    group, rest = granted.split("/", 1)
    wanted_group, wanted_rest = wanted.split("/", 1)
    if group not in ("*", wanted_group):
        return False
    # RBAC's `*` matches every resource and subresource; `pods/*` every subresource of pods.
    return rest in ("*", wanted_rest) or (rest.endswith("/*") and wanted_rest.startswith(rest[:-1]))


def _verb_covers(granted: str, wanted: str) -> bool:
    return granted.strip().lower() in ("*", wanted)


def _every_resource(resource: str) -> bool:
    """Every resource of the account or cluster (not of one service or API group)."""
    if _kubernetes_group_wildcard(resource.strip()):
        return resource.strip() in _KUBERNETES_ADMIN_GROUPS
    return _broad_resource(resource)


def _reads_every_secret(grant: AccessGrant) -> bool:
    """A Kubernetes rule that reads Secrets of every name (no `resourceNames`)."""
    actions = grant.actions if isinstance(grant.actions, list) else []
    resources = grant.resources if isinstance(grant.resources, list) else []
    reads = any(isinstance(a, str) and any(_verb_covers(a, v) for v in _KUBERNETES_READ_VERBS) for a in actions)
    return reads and any(isinstance(r, str) and _kubernetes_covers(r.strip(), "core/secrets") for r in resources)


def _account_root(principal: str) -> bool:
    return re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:root|\d{12}", principal.strip()) is not None


def _enumeration_only(action: str) -> bool:
    verb = action.split(":", 1)[-1].lower()
    return ":" in action and verb.startswith(_ENUMERATION_PREFIXES)


def _allows(grant: AccessGrant) -> bool:
    return known(grant.effect, "effect") == Access.ALLOW


def _is_admin(grant: AccessGrant, deferred: Deferred) -> bool:
    actions = deferred.items(grant.actions, "actions")
    resources = deferred.items(grant.resources, "resources")
    full = any(_full_wildcard(a) for a in actions)
    return full and (not resources or any(_every_resource(r) for r in resources))


@rule(
    "IAM-001",
    name="administrator-access",
    category="iam",
    severity="critical",
    title="Grant gives full administrative access",
)
def administrator_access(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """Every action on every resource (`Action: "*"` on `Resource: "*"`, an Azure
    role with `*` actions, a Kubernetes rule with `*` verbs on `*` resources, or on
    every resource of the core or RBAC API group) makes any compromise of the
    principal a compromise of the whole account or cluster. A namespaced Kubernetes
    Role with the same rule is full control of its namespace: reported at high.

    Remediation:
    Grant only the actions and resources the workload uses. Keep administrator
    rights for break-glass identities, assigned just in time.
    """
    if not _allows(grant):
        return
    deferred = Deferred()
    if _is_admin(grant, deferred):
        if grant.kind is GrantKind.ROLE_DEFINITION and grant.scope == Scope.RESOURCE_GROUP:
            yield Violation(f"{grant.kind} {grant.name!r} gives full control of its namespace: every action on "
                            "every resource", grant.origin, severity=Severity.HIGH)
        else:
            yield Violation(f"{grant.kind} {grant.name!r} allows every action on every resource", grant.origin)
    deferred.raise_pending()


@rule(
    "IAM-002",
    name="wildcard-actions",
    category="iam",
    severity="high",
    title="Grant allows every action of a service",
)
def wildcard_actions(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """Wildcard actions such as `s3:*`, `iam:*`, `Microsoft.Storage/*` or the
    Kubernetes verb `*` include destructive and privilege-escalating operations
    the principal was never meant to have.

    Remediation:
    List the specific actions (for example `s3:GetObject`, `s3:PutObject`), or the
    specific Kubernetes verbs (`get`, `list`, `watch`).
    """
    if not _allows(grant):
        return
    deferred = Deferred()
    wild = [a for a in deferred.items(grant.actions, "actions") if _service_wildcard(a)]
    # A resource policy handing a service to whole accounts (AWS's default KMS key policy:
    # `kms:*` for the account root) delegates the decision to those accounts' IAM.
    # Principals matter only once there is a wildcard to delegate.
    delegated = False
    if wild and grant.kind is GrantKind.RESOURCE_POLICY:
        principals = deferred.items(grant.principals, "principals")
        delegated = bool(principals) and all(map(_account_root, principals))
    if wild and not delegated and not _is_admin(grant, deferred):
        yield Violation(f"{grant.kind} {grant.name!r} allows {join(wild)}", grant.origin_of("actions"))
    deferred.raise_pending()


@rule(
    "IAM-003",
    name="wildcard-resources",
    category="iam",
    severity="medium",
    title="Grant applies to every resource of a service or account",
)
def wildcard_resources(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """Actions granted on `*`, on `arn:aws:logs:*:*:*` or on every resource of a
    Kubernetes API group reach resources the workload does not own, including
    those of other teams and future ones. Metadata enumeration (AWS `Describe*`
    and `List*`), which accepts no resource scoping, is not reported, nor is reading
    the Kubernetes metrics APIs (the autoscaler's), whose resources are metric names,
    nor resource policies, which govern only the resource they are attached to.

    Remediation:
    Name the resources: a bucket and its prefix, a log group ARN with the account
    and region, a list of Kubernetes resource names.
    """
    # A resource policy governs only what it is attached to: its Resource element cannot reach beyond.
    if not _allows(grant) or grant.kind in (GrantKind.TRUST_POLICY, GrantKind.ROLE_ASSIGNMENT,
                                            GrantKind.RESOURCE_POLICY):
        return
    deferred = Deferred()
    if not _is_admin(grant, deferred):
        broad = [r for r in deferred.items(grant.resources, "resources") if _broad_resource(r)]
        actions = [a for a in deferred.items(grant.actions, "actions") if not _enumeration_only(a)]
        if all(a.strip().lower() in _KUBERNETES_READ_VERBS for a in actions):
            broad = [r for r in broad if r.strip() not in _KUBERNETES_METRICS_GROUPS]
        if broad and actions:
            yield Violation(
                f"{grant.kind} {grant.name!r} allows {join(actions)} on {join(broad)}", grant.origin_of("resources")
            )
    deferred.raise_pending()


@rule(
    "IAM-004",
    name="allow-with-not-action",
    category="iam",
    severity="high",
    title="Allow statement uses NotAction",
)
def allow_with_not_action(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """`Effect: Allow` with `NotAction` grants every action except the listed
    ones, including every action AWS adds in the future. It is almost always
    broader than intended.

    Remediation:
    Use `Action` with an explicit list. Keep `NotAction` for `Deny` statements.
    """
    if not _allows(grant):
        return
    excluded = known(grant.not_actions, "NotAction")
    if excluded:
        yield Violation(f"{grant.kind} {grant.name!r} allows every action except {join(excluded)}",
                        grant.origin_of("not_actions"))


@rule(
    "IAM-005",
    name="public-principal",
    category="iam",
    severity="critical",
    title="Access is granted to anyone",
)
def public_principal(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """A trust or resource policy with `Principal: "*"`, a GCP binding to
    `allUsers` or `allAuthenticatedUsers`, or a Kubernetes binding to anonymous
    users opens the resource to the whole internet. A condition on the source
    VPC, IP, organisation or account narrows it and is not reported.

    Remediation:
    Name the principals (account ARNs, service principals, groups), or add a
    condition such as `aws:PrincipalOrgID` or `aws:SourceVpce`.
    """
    if not _allows(grant):
        return
    deferred = Deferred()
    public = [pr for pr in deferred.items(grant.principals, "principals") if is_public_principal(pr)]
    if public:
        conditions = deferred.value(grant.conditions, "conditions")
        if conditions is not None and not NARROWING_CONDITION_KEYS.intersection(conditions):
            actions: list[str] = deferred.items(grant.actions, "actions")
            what = grant.role if isinstance(grant.role, str) else join(actions)
            yield Violation(f"{grant.kind} {grant.name!r} grants {what or 'access'} to {join(public)}",
                            grant.origin_of("principals"))
    deferred.raise_pending()


@rule(
    "IAM-006",
    name="privileged-role-assignment",
    category="iam",
    severity="high",
    title="Privileged role assigned at account scope",
)
def privileged_role_assignment(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """Owner and Contributor on a subscription, `roles/owner` and `roles/editor`
    on a project, and any binding to `cluster-admin` give standing control over
    everything at that scope; so do the roles that grant any role (User Access
    Administrator, `roles/resourcemanager.projectIamAdmin`, `roles/iam.securityAdmin`)
    or act as any service account of a project (`roles/iam.serviceAccountUser`,
    `roles/iam.serviceAccountTokenCreator`, CIS GCP 1.6). So does a ClusterRoleBinding to a role that reads
    Secrets (its own rules in the scanned files, or the built-in `admin` and
    `edit`): every credential of every namespace.

    Remediation:
    Assign narrower built-in or custom roles, at resource-group or resource scope,
    and use just-in-time elevation (Azure PIM, GCP PAM) for administrators.
    """
    if grant.kind is not GrantKind.ROLE_ASSIGNMENT or not _allows(grant):
        return
    role = known(grant.role, "role")
    if role is None:
        return
    scope = known(grant.scope, "scope")
    # Who holds it only decorates the message: unknown principals must not hide the violation.
    principals = (join(grant.principals) if isinstance(grant.principals, list) else "") or "a principal"
    if role.lower() in _PRIVILEGED_ROLES:
        if role.lower() == "cluster-admin" or scope in (Scope.ACCOUNT, Scope.ORGANIZATION):
            yield Violation(f"{principals} holds {role} at {scope or 'cluster'} scope", grant.origin_of("role"))
        return
    if scope is Scope.ACCOUNT and any(_reads_every_secret(g) for g in grant.role_grants or ()):
        yield Violation(f"{principals} can read every Secret of the cluster through {role} at account scope",
                        grant.origin_of("role"))


@rule(
    "IAM-007",
    name="privilege-escalation",
    category="iam",
    severity="high",
    title="Grant allows privilege escalation",
    references=["https://kubernetes.io/docs/concepts/security/rbac-good-practices/"],
)
def privilege_escalation(grant: AccessGrant, p: RuleParams) -> Iterator[Violation]:
    """Some permissions are worth every other one: the Kubernetes verbs `escalate`
    and `bind` on roles create or bind any role, `impersonate` on users, groups or
    service accounts acts as any of them, and `create` on `pods/exec` or
    `pods/attach` runs commands in pods and reads their credentials. Scoped by
    `resourceNames`, they are a deliberate delegation and are not reported; grants
    already reported as full administrative access are not repeated.

    Remediation:
    Remove the verb, or name the roles, users or service accounts it applies to
    with `resourceNames`. Run interactive debugging through a break-glass role
    bound just in time instead of a standing `pods/exec` grant.
    """
    if not _allows(grant) or grant.kind in (GrantKind.TRUST_POLICY, GrantKind.ROLE_ASSIGNMENT):
        return
    deferred = Deferred()
    if not _is_admin(grant, deferred):
        actions = deferred.items(grant.actions, "actions")
        resources = [r.strip() for r in deferred.items(grant.resources, "resources")]
        found = [
            f"{verb} on {wanted.split('/', 1)[1]}"
            for verb, wanted in _KUBERNETES_ESCALATIONS
            if any(_verb_covers(a, verb) for a in actions) and any(_kubernetes_covers(r, wanted) for r in resources)
        ]
        if found:
            yield Violation(f"{grant.kind} {grant.name!r} allows {join(found)}", grant.origin_of("actions"))
    deferred.raise_pending()
