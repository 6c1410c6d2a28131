"""Azure SDK calls: one `Call` per list operation and subscription, each listing once.

Management clients are created inside each call (never at import time), from
`AzureOptions`: the Resource Manager endpoint, the token scope and the
azure-core keyword arguments (`retry_total`, `connection_verify`, …) that
every client and the subscription listing share. Every response goes to the
pure adapters as its REST JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from scanner.audit.azure import adapters
from scanner.audit.engine import GLOBAL, AuditResult, Call, Progress, run_audit
from scanner.model import Asset, SourceKind

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

PUBLIC_ENDPOINT = "https://management.azure.com"
# GET /subscriptions without azure-mgmt-resource: the API version SubscriptionClient uses.
SUBSCRIPTIONS_API_VERSION = "2022-12-01"

Item = Asset | Call


@dataclass(frozen=True)
class AzureOptions:
    """Where and how to reach Resource Manager.

    `endpoint`: the Resource Manager URL (sovereign clouds, Azure Stack Hub, tests).
    `credential_scopes`: the token audience; by default `<endpoint>/.default`,
    which is right for the public, US Government and China clouds.
    `client_kwargs`: azure-core settings passed to every client, e.g.
    `retry_total`, `connection_verify`, `connection_timeout`.
    """

    endpoint: str = PUBLIC_ENDPOINT
    credential_scopes: tuple[str, ...] = ()
    client_kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.endpoint.rstrip("/")

    @property
    def scopes(self) -> list[str]:
        return list(self.credential_scopes) or [f"{self.base_url}/.default"]

    def client(self, factory: Callable[..., Any], credential: TokenCredential, subscription: str) -> Any:
        return factory(credential, subscription, base_url=self.base_url, credential_scopes=self.scopes,
                       **self.client_kwargs)


def recoverable() -> tuple[type[BaseException], ...]:
    """What a failed call raises: azure-core's errors, credential failures included."""
    from azure.core.exceptions import AzureError

    return (AzureError,)


def explain(exc: BaseException) -> tuple[str, str]:
    """The ARM error code and message of a failed call (`AuthorizationFailed`, …)."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    if not code and isinstance(exc, ClientAuthenticationError):
        code = "ClientAuthenticationError"
    elif not code and isinstance(exc, HttpResponseError) and exc.status_code:
        code = f"HTTP {exc.status_code}"
    text = " ".join(str(message).split())
    return str(code or type(exc).__name__), text


def _rest_json(model: Any) -> dict[str, Any]:
    """A response model as the REST API's JSON: msrest models `serialize`, typespec ones `as_dict`."""
    if hasattr(model, "serialize"):
        return cast(dict[str, Any], model.serialize(keep_readonly=True))
    return cast(dict[str, Any], model.as_dict())


class AzureCollector:
    """The calls of one Azure audit, over one credential and endpoint."""

    def __init__(self, credential: TokenCredential, options: AzureOptions | None = None) -> None:
        self.credential = credential
        self.options = options or AzureOptions()

    # -- discovery --------------------------------------------------------------------------------

    def discovery_call(self) -> Call:
        """Lists the subscriptions the credential can see, then audits each."""
        return Call("", GLOBAL, "Microsoft.Resources", "Subscriptions_List", self._list_subscriptions)

    def _list_subscriptions(self) -> Iterator[Item]:
        for subscription in adapters.subscription_ids(self.subscriptions()):
            yield from self.subscription_calls(subscription)

    def subscriptions(self) -> list[dict[str, Any]]:
        """`GET /subscriptions`: through azure-mgmt-resource's SubscriptionClient when installed,
        otherwise through an azure-core ARM pipeline with the same policies."""
        try:
            from azure.mgmt.resource import SubscriptionClient
        except ImportError:
            return self._subscriptions_over_rest()
        options = self.options
        with SubscriptionClient(self.credential, base_url=options.base_url, credential_scopes=options.scopes,
                                **options.client_kwargs) as client:
            return [_rest_json(s) for s in client.subscriptions.list()]

    def _subscriptions_over_rest(self) -> list[dict[str, Any]]:
        from azure.core.exceptions import HttpResponseError
        from azure.core.pipeline.policies import RetryPolicy, UserAgentPolicy
        from azure.core.rest import HttpRequest
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.exceptions import ARMErrorFormat
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

        from scanner import __version__

        options = self.options
        kwargs = dict(options.client_kwargs)
        policies = [
            UserAgentPolicy(sdk_moniker=f"tenet/{__version__}", **kwargs),
            RetryPolicy(**kwargs),
            ARMChallengeAuthenticationPolicy(self.credential, *options.scopes),
        ]
        subscriptions: list[dict[str, Any]] = []
        url: str | None = f"{options.base_url}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}"
        client: ARMPipelineClient[HttpRequest, Any] = ARMPipelineClient(base_url=options.base_url, policies=policies,
                                                                         **kwargs)
        with client:
            while url:
                response = client.send_request(HttpRequest("GET", url), **kwargs)
                if response.status_code != 200:
                    raise HttpResponseError(response=response, error_format=ARMErrorFormat)
                body = response.json()
                subscriptions += [s for s in body.get("value", []) if isinstance(s, dict)]
                url = body.get("nextLink")
        return subscriptions

    # -- one subscription ------------------------------------------------------------------------

    def subscription_calls(self, subscription: str) -> list[Call]:
        return [
            Call(subscription, GLOBAL, "Microsoft.Network", "NetworkSecurityGroups_ListAll",
                 lambda: self._network_security_groups(subscription)),
            Call(subscription, GLOBAL, "Microsoft.Network", "ApplicationGateways_ListAll",
                 lambda: self._application_gateways(subscription)),
            Call(subscription, GLOBAL, "Microsoft.Storage", "StorageAccounts_List",
                 lambda: self._storage_accounts(subscription)),
            Call(subscription, GLOBAL, "Microsoft.Authorization", "RoleDefinitions_List",
                 lambda: self._role_definitions(subscription)),
        ]

    def _network_client(self, subscription: str) -> Any:
        from azure.mgmt.network import NetworkManagementClient

        return self.options.client(NetworkManagementClient, self.credential, subscription)

    def _network_security_groups(self, subscription: str) -> Iterator[Item]:
        with self._network_client(subscription) as client:
            for nsg in client.network_security_groups.list_all():
                yield adapters.network_security_group(_rest_json(nsg), subscription)

    def _application_gateways(self, subscription: str) -> Iterator[Item]:
        with self._network_client(subscription) as client:
            for gateway in client.application_gateways.list_all():
                yield from adapters.application_gateway(_rest_json(gateway), subscription)

    def _storage_accounts(self, subscription: str) -> Iterator[Item]:
        from azure.mgmt.storage import StorageManagementClient

        with self.options.client(StorageManagementClient, self.credential, subscription) as client:
            for account in client.storage_accounts.list():
                yield from adapters.storage_account(_rest_json(account), subscription)

    def _authorization_client(self, subscription: str) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return self.options.client(AuthorizationManagementClient, self.credential, subscription)

    def _role_definitions(self, subscription: str) -> Iterator[Item]:
        """Custom roles become grants; every definition (built-in ones too) names the roles of
        the assignments, which are listed next. If this listing fails, the assignments are
        still listed, with the roles outside the built-in table left unknown."""
        definitions: list[dict[str, Any]] = []
        try:
            with self._authorization_client(subscription) as client:
                for definition in client.role_definitions.list(scope=f"/subscriptions/{subscription}"):
                    definitions.append(_rest_json(definition))
        except recoverable():
            yield self._role_assignments_call(subscription, None)
            raise
        for definition in definitions:
            if adapters.is_custom_role(definition):
                yield from adapters.role_definition(definition, subscription)
        yield self._role_assignments_call(subscription, adapters.role_names(definitions))

    def _role_assignments_call(self, subscription: str, names: Mapping[str, str] | None) -> Call:
        return Call(subscription, GLOBAL, "Microsoft.Authorization", "RoleAssignments_ListForSubscription",
                    lambda: self._role_assignments(subscription, names))

    def _role_assignments(self, subscription: str, names: Mapping[str, str] | None) -> Iterator[Item]:
        with self._authorization_client(subscription) as client:
            for assignment in client.role_assignments.list_for_subscription():
                yield adapters.role_assignment(_rest_json(assignment), subscription, names)


def audit(
    credential: TokenCredential,
    subscriptions: Sequence[str] = (),
    *,
    options: AzureOptions | None = None,
    workers: int = 16,
    progress: Progress | None = None,
) -> AuditResult:
    """Audit the given subscriptions, or every subscription the credential can see."""
    collector = AzureCollector(credential, options)
    calls = ([c for s in dict.fromkeys(subscriptions) for c in collector.subscription_calls(s)]
             if subscriptions else [collector.discovery_call()])
    return run_audit(calls, provider=SourceKind.AZURE, recoverable=recoverable(), explain=explain, workers=workers,
                     progress=progress)
