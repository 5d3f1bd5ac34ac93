# arc-onboarding pre-write check: before the connected cluster is written to Azure, look at the
# cluster the kubeconfig reaches, as `az connectedk8s connect` does before its first write
# (connectedk8s custom.py, create_connectedk8s ~639-905: `/version`, the clusterrolebinding
# SelfSubjectAccessReview ~527, the existing `azure-arc` release and `azure-clusterconfig`
# ConfigMap, the ARM GET that tells a live onboarding from a stale one, the stale-CRD cleanup).
#
# Run on every preview and up as the `command:local:run` invoke of components/precheck.py (an
# invoke keeps no state, so it runs each time and a no-change `up` stays a no-change `up`). Values
# arrive in the environment (components/scripts/__init__.py, precheck_environment):
#   ARC_SUBSCRIPTION, ARC_RESOURCE_GROUP, ARC_CLUSTER_NAME: this stack's connected cluster;
#   ARC_AGENT_NAMESPACE, ARC_RELEASE_NAME; ARC_CRDS: space-separated;
#   ARC_REPLACE_STALE (agents.replaceStale), ARC_DRY_RUN and ARC_AGENTLESS (the listing of
#   agentless.sh found this connected cluster AgentNotInstalled): "true" or "false";
#   ARC_KUBECONFIG (kubeconfig contents) and ARC_KUBE_CONTEXT, both optional, as cleanup.sh.
# It answers on stdout, one finding a line, and exits 0 (a non-zero exit is a crash of the check):
#   `stop: TEXT`   the connected cluster must not be written (the program fails the run with TEXT);
#   `note: TEXT`   logged as a warning;
#   `arm-key: KEY` this stack's connected cluster exists in Azure with this agentPublicKeyCertificate
#   `arm-owner: O` ... and its owner tag (arcOnboardingStack) names stack O (empty: no such tag)
#                  (the program compares it with the stack's key: a different key is not this stack's);
#   `agent-version: V` the chart version this stack's agents run (azure-clusterconfig's
#                  AZURE_ARC_AGENT_VERSION, connectedk8s.md §2.1): after a self-upgrade, newer than the pin.
#   `arm-state: S` ... and its provisioningState, when not Succeeded (Failed: a write's long-running
#                  operation failed; the program writes this stack's own cluster again);
#   `arm-retry: N` ... and its retry tag (arcOnboardingRetry), when it has one;
# Read-only unless ARC_DRY_RUN is false and either ARC_REPLACE_STALE is true (a stale onboarding)
# or this stack's own install was interrupted (forget_interrupted_install); it never writes to Azure.
# shellcheck shell=sh
set -euf
# One finding a line: text from the cluster or from kubectl loses its control characters, so that
# it can neither start a line of its own (a forged `arm-key:`) nor drive the terminal it is shown on.
say() { printf '%s: %s\n' "$1" "$(printf '%s' "$2" | tr -d '\000-\037\177')"; }
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
last_line() { tail -n 1 "$errors" 2>/dev/null || true; }
# A word of a command printed to copy and paste, quoted for sh when it is not plain (as Python's shlex.quote).
q() {
  case $1 in
    '' | *[!A-Za-z0-9@%+=:,./_-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}

# @include private_kubeconfig.sh
k() {
  if [ -n "${ARC_KUBE_CONTEXT:-}" ]; then set -- --context "$ARC_KUBE_CONTEXT" "$@"; fi
  if [ -n "$kubeconfig" ]; then set -- --kubeconfig "$kubeconfig" "$@"; fi
  kubectl --request-timeout=20s "$@"
}
# How the user reaches the same cluster by hand.
context_flag=${ARC_KUBE_CONTEXT:+ --context $(q "$ARC_KUBE_CONTEXT")}
helm_context=${ARC_KUBE_CONTEXT:+ --kube-context $(q "$ARC_KUBE_CONTEXT")}
reached="the cluster that kubeconfig${ARC_KUBE_CONTEXT:+ context $ARC_KUBE_CONTEXT} reaches"

# 1. A reachable API server (the CLI: GET /version).
if ! k get --raw /version >/dev/null 2>"$errors"; then
  say stop "$reached does not answer (GET /version: $(last_line)); check kubeconfig and kubeContext"
  exit 0
fi
# 2. The right to create cluster role bindings (the agents' chart creates them).
answer=$(k auth can-i create clusterrolebindings.rbac.authorization.k8s.io 2>"$errors" || true)
if [ "$answer" != yes ]; then
  say stop "the kubeconfig's identity may not create cluster role bindings on $reached (kubectl auth can-i create clusterrolebindings: ${answer:-$(last_line)}); the agents' chart needs a cluster-admin identity"
  exit 0
fi
# The agents run on Linux nodes only; the CLI warns, and goes on, when none is (custom.py
# create_connectedk8s -> check_linux_node, azure-cli-extensions @ 0b4bb2eb). A listing refused is no verdict.
if linux=$(k get nodes -l kubernetes.io/os=linux -o name 2>"$errors") && [ -z "$linux" ]; then
  say note "no node of $reached is labelled kubernetes.io/os=linux: the Arc agents run on Linux nodes only and would not be scheduled (https://aka.ms/ArcK8sSupportedOSArchitecture)"
fi
# The region must be one Microsoft.Kubernetes offers connectedClusters in (custom.py create_connectedk8s
# -> _utils.py validate_connect_rp_location); an empty answer tells nothing, so nothing is said.
if [ -n "${ARC_LOCATION:-}" ] && regions=$(az provider show --namespace Microsoft.Kubernetes --subscription "$ARC_SUBSCRIPTION" \
    --query "resourceTypes[?resourceType=='connectedClusters'].locations[]" --output tsv 2>/dev/null) && [ -n "$regions" ]; then
  if ! printf '%s\n' "$regions" | tr -d ' ' | tr '[:upper:]' '[:lower:]' | grep -Fxq -- "$(lower "$ARC_LOCATION")"; then
    say stop "location $ARC_LOCATION is not a region where Microsoft.Kubernetes offers connected clusters (az provider show --namespace Microsoft.Kubernetes); set location to one of them"
    exit 0
  fi
fi
# The private link scope must be in the cluster's region (custom.py create_connectedk8s): a mismatch or
# a scope that does not exist stops, as the CLI's errors do; any other failure to read it is a note.
if [ -n "${ARC_PRIVATE_LINK_SCOPE:-}" ]; then
  if scope_location=$(az resource show --ids "$ARC_PRIVATE_LINK_SCOPE" --query location --output tsv 2>"$errors"); then
    if [ "$(lower "$(printf '%s' "$scope_location" | tr -d ' ')")" != "$(lower "$ARC_LOCATION")" ]; then
      say stop "the private link scope (privateLink.scopeResourceId) is in $scope_location, the connected cluster in $ARC_LOCATION: they must be in the same Azure region"
      exit 0
    fi
  elif grep -q -e ResourceNotFound -e ResourceGroupNotFound "$errors"; then
    say stop "the private link scope privateLink.scopeResourceId does not exist; give the ARM id of an existing Microsoft.HybridCompute/privateLinkScopes"
    exit 0
  else
    say note "the private link scope's region could not be read ($(last_line)); not checked"
  fi
fi
# 3. What an earlier onboarding left: the release's storage secrets (any namespace, as `helm list -A`),
# the agents' identity ConfigMap, the Arc CRDs.
if ! release_namespaces=$(k get secrets --all-namespaces -l "owner=helm,name=$ARC_RELEASE_NAME" \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}' 2>"$errors"); then
  say stop "cannot look for an existing $ARC_RELEASE_NAME release on $reached: $(last_line)"
  exit 0
fi
release_namespaces=$(printf '%s\n' "$release_namespaces" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')
if ! identity=$(k get configmap azure-clusterconfig --namespace "$ARC_AGENT_NAMESPACE" --ignore-not-found \
    -o jsonpath='{.data.AZURE_SUBSCRIPTION_ID}{"/"}{.data.AZURE_RESOURCE_GROUP}{"/"}{.data.AZURE_RESOURCE_NAME}' 2>"$errors"); then
  say stop "cannot read ConfigMap $ARC_AGENT_NAMESPACE/azure-clusterconfig on $reached: $(last_line)"
  exit 0
fi
identity=$(printf '%s' "$identity" | tr -d '\000-\037\177')  # the cluster's text, shown and compared
# shellcheck disable=SC2086 # ARC_CRDS is a space-separated list (globbing is off: set -f)
if ! crds=$(k get customresourcedefinition $ARC_CRDS --ignore-not-found -o name 2>"$errors"); then
  say stop "cannot look for Arc CRDs on $reached: $(last_line)"
  exit 0
fi
crds=$(printf '%s\n' "$crds" | sed '/^$/d; s|.*/||' | tr '\n' ' ' | sed 's/ $//')

# The connected cluster's agentPublicKeyCertificate in ARM: prints it and returns 0 when it exists,
# 1 when it (or its group) does not, 2 when ARM cannot tell (the error is in $errors). A subscription
# not registered for Microsoft.Kubernetes yet (its first `up` registers it after this check) holds
# none: ARM answers a call to the namespace MissingSubscriptionRegistration (seen in public issue
# threads for reads too, e.g. microsoft/vscode-apimanagement#466), and a namespace cannot be
# unregistered while resources of it exist (Microsoft Learn, "Azure resource providers and types").
arm_key() {
  if az resource show --ids "/subscriptions/$1/resourceGroups/$2/providers/Microsoft.Kubernetes/connectedClusters/$3" \
      --query properties.agentPublicKeyCertificate --output tsv 2>"$errors"; then
    return 0
  fi
  if grep -q -e ResourceNotFound -e ResourceGroupNotFound -e NotFound -e MissingSubscriptionRegistration "$errors"; then return 1; fi
  return 2
}

# The owner tag (arcOnboardingStack) of the connected cluster that exists: the stack that wrote it.
arm_owner() {
  az resource show --ids "/subscriptions/$1/resourceGroups/$2/providers/Microsoft.Kubernetes/connectedClusters/$3" \
    --query tags.arcOnboardingStack --output tsv 2>"$errors"
}

# The existing connected cluster's provisioningState (said when not Succeeded) and retry tag (said
# when set): a refresh reads a cluster left Failed without error, so only this tells the program to
# write it again (components/precheck.py, retry_tag). A failed read stops: guessing could drop the tag.
arm_state() {
  cluster_id="/subscriptions/$1/resourceGroups/$2/providers/Microsoft.Kubernetes/connectedClusters/$3"
  if ! provisioning=$(az resource show --ids "$cluster_id" --query properties.provisioningState --output tsv 2>"$errors") ||
    ! retry=$(az resource show --ids "$cluster_id" --query tags.arcOnboardingRetry --output tsv 2>"$errors"); then
    say stop "cannot read the provisioning state of connected cluster $3 in group $2 from Azure: $(last_line)"
    return 0
  fi
  if [ -n "$provisioning" ] && [ "$provisioning" != Succeeded ]; then say arm-state "$provisioning"; fi
  if [ -n "$retry" ]; then say arm-retry "$retry"; fi
}

# The cleanup `connect` does for a stale onboarding (custom.py ~860-905: crd_cleanup_force_delete,
# then `helm delete azure-arc --no-hooks`), done with kubectl: forget the release (its storage
# secrets), delete the agents' namespace (their workloads and the old identity), delete the CRDs
# (finalizers removed when they block). Cluster-scoped objects of the old release (RBAC) stay and
# are adopted by the new install, which renders them under the same release name and namespace.
clean_stale() {
  for namespace in $release_namespaces; do
    k delete secrets --namespace "$namespace" -l "owner=helm,name=$ARC_RELEASE_NAME" >/dev/null || return 1
  done
  k delete namespace "$ARC_AGENT_NAMESPACE" --ignore-not-found --wait=true --timeout=180s >/dev/null || return 1
  for crd in $crds; do
    if ! k delete customresourcedefinition "$crd" --ignore-not-found --wait=true --timeout=20s >/dev/null; then
      k patch customresourcedefinition "$crd" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null || return 1
    fi
  done
}

# An install of this stack's agents whose Helm client died (a killed `pulumi up`): Helm keeps the
# release `pending-install` and refuses to install it again ("cannot re-use a name that is still in
# use"). The agents never install themselves (their self-upgrade is an upgrade, `pending-upgrade`),
# and the stack's lock keeps a second `up` out, so nothing else is installing under this identity:
# forget that revision, and the install runs again and takes over the objects it had created
# (they carry the release's ownership annotations).
forget_interrupted_install() {
  if ! pending=$(k get secrets --all-namespaces -l "owner=helm,name=$ARC_RELEASE_NAME,status=pending-install" \
      -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}' 2>"$errors"); then
    say stop "cannot look for an interrupted install of the $ARC_RELEASE_NAME release on $reached: $(last_line)"
    return 0
  fi
  pending=$(printf '%s\n' "$pending" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')
  if [ -z "$pending" ]; then return 0; fi
  what="an interrupted install of this stack's agents on $reached (Helm release $ARC_RELEASE_NAME pending-install in namespace(s) $pending)"
  if [ "$ARC_DRY_RUN" = true ]; then
    say note "$what: pulumi up forgets it and installs the agents again"
    return 0
  fi
  for namespace in $pending; do
    if ! k delete secrets --namespace "$namespace" -l "owner=helm,name=$ARC_RELEASE_NAME,status=pending-install" >/dev/null 2>"$errors"; then
      say stop "$what could not be forgotten: $(last_line); remove it by hand: helm uninstall $ARC_RELEASE_NAME --namespace $namespace${helm_context}"
      return 0
    fi
  done
  say note "$what: forgotten; the agents are installed again"
}

stale() {
  what=$1
  if [ "$ARC_REPLACE_STALE" != true ]; then
    remove="kubectl$context_flag delete namespace $(q "$ARC_AGENT_NAMESPACE")"
    for namespace in $release_namespaces; do
      remove="helm delete $(q "$ARC_RELEASE_NAME") --namespace $(q "$namespace") --no-hooks$helm_context && $remove"
    done
    if [ -n "$crds" ]; then
      remove="$remove && kubectl$context_flag delete crd"
      for crd in $crds; do remove="$remove $(q "$crd")"; done
    fi
    say stop "$reached holds a stale Azure Arc onboarding: $what. Remove it with the stack's kubeconfig: $remove; or set agents.replaceStale: true to have pulumi up do the same"
  elif [ "$ARC_DRY_RUN" = true ]; then
    say note "$reached holds a stale Azure Arc onboarding: $what; agents.replaceStale: pulumi up removes it (release ${release_namespaces:-none}, namespace $ARC_AGENT_NAMESPACE, CRDs ${crds:-none}) before writing the connected cluster"
  elif ! clean_stale 2>"$errors"; then
    say stop "$reached holds a stale Azure Arc onboarding ($what) and removing it failed: $(last_line)"
  else
    say note "removed a stale Azure Arc onboarding from $reached (agents.replaceStale): $what"
  fi
}

ours="$ARC_SUBSCRIPTION/$ARC_RESOURCE_GROUP/$ARC_CLUSTER_NAME"
if [ -n "$(printf '%s' "$identity" | tr -d /)" ]; then
  if [ "$(lower "$identity")" = "$(lower "$ours")" ]; then
    # This stack's identity: live (this stack's own, or another tool's: the key tells) or stale.
    if key=$(arm_key "$ARC_SUBSCRIPTION" "$ARC_RESOURCE_GROUP" "$ARC_CLUSTER_NAME"); then
      say arm-key "$key"
      say arm-owner "$(arm_owner "$ARC_SUBSCRIPTION" "$ARC_RESOURCE_GROUP" "$ARC_CLUSTER_NAME")"
      arm_state "$ARC_SUBSCRIPTION" "$ARC_RESOURCE_GROUP" "$ARC_CLUSTER_NAME"
      if ! version=$(k get configmap azure-clusterconfig --namespace "$ARC_AGENT_NAMESPACE" --ignore-not-found \
          -o jsonpath='{.data.AZURE_ARC_AGENT_VERSION}' 2>"$errors"); then
        say stop "cannot read the agents' version from ConfigMap $ARC_AGENT_NAMESPACE/azure-clusterconfig on $reached: $(last_line)"
      elif [ -n "$version" ]; then
        say agent-version "$version"
      fi
      forget_interrupted_install
    elif [ $? -eq 1 ]; then
      stale "agents onboarded as connected cluster $ARC_CLUSTER_NAME in group $ARC_RESOURCE_GROUP, which no longer exists in Azure"
    else
      say stop "cannot read connected cluster $ARC_CLUSTER_NAME in group $ARC_RESOURCE_GROUP from Azure: $(last_line)"
    fi
    exit 0
  fi
  their_subscription=${identity%%/*}
  rest=${identity#*/}
  their_group=${rest%%/*}
  their_name=${rest#*/}
  where="connected cluster $their_name in group $their_group (subscription $their_subscription)"
  offboard="az connectedk8s delete --name $(q "$their_name") --resource-group $(q "$their_group") --subscription $(q "$their_subscription")${ARC_KUBE_CONTEXT:+ --kube-context $(q "$ARC_KUBE_CONTEXT")}"
  if arm_key "$their_subscription" "$their_group" "$their_name" >/dev/null; then
    say stop "$reached is onboarded to Azure Arc as another connected cluster: $where, which exists in Azure. This stack onboards $ARC_CLUSTER_NAME in group $ARC_RESOURCE_GROUP: point kubeconfig/kubeContext at the right cluster, or offboard that one first: $offboard"
  elif [ $? -eq 1 ]; then
    stale "agents onboarded as $where, which no longer exists in Azure"
  else
    say stop "$reached is onboarded to Azure Arc as another connected cluster: $where; whether it still exists cannot be read from Azure ($(last_line)); offboard it first: $offboard"
  fi
  exit 0
fi
if [ -n "$release_namespaces" ]; then
  # The CLI: a release without its ConfigMap cannot be told apart; it asks for `helm delete --no-hooks`.
  stale "release $ARC_RELEASE_NAME in namespace(s) $release_namespaces without its ConfigMap $ARC_AGENT_NAMESPACE/azure-clusterconfig"
  exit 0
fi
# No agents here: an existing connected cluster of this name is this stack's only with this stack's
# key (the program compares); with it, CRDs are what a failed earlier install of it left, reused.
if key=$(arm_key "$ARC_SUBSCRIPTION" "$ARC_RESOURCE_GROUP" "$ARC_CLUSTER_NAME"); then
  if [ "$ARC_AGENTLESS" = true ]; then
    # One the multicloud connector created in ARM, agents never installed anywhere: no onboarding owns
    # it. The CLI treats it as absent and its connect converts it: the fresh onboarding's PUT takes it
    # over with the new key, then the agents go in (custom.py connected_cluster_exists, 1.11.2+;
    # create_connectedk8s, azure-cli-extensions @ 0b4bb2eb). The program does the same
    # (components/conversion.py); CRDs found here are then stale, as for a cluster absent from ARM.
    say note "connected cluster $ARC_CLUSTER_NAME in group $ARC_RESOURCE_GROUP exists in Azure without agents (connectivityStatus AgentNotInstalled: created by the multicloud connector); converted as az connectedk8s connect does: this stack's PUT takes it over, then the agents are installed"
    if [ -n "$crds" ]; then
      stale "Arc CRDs left behind by an earlier onboarding: $crds"
    fi
    exit 0
  fi
  say arm-key "$key"
  say arm-owner "$(arm_owner "$ARC_SUBSCRIPTION" "$ARC_RESOURCE_GROUP" "$ARC_CLUSTER_NAME")"
  arm_state "$ARC_SUBSCRIPTION" "$ARC_RESOURCE_GROUP" "$ARC_CLUSTER_NAME"
  if [ -n "$crds" ]; then
    say note "Arc CRDs without agents on $reached ($crds), and connected cluster $ARC_CLUSTER_NAME exists in Azure: left by an earlier install of it; the install takes them over"
  fi
elif [ $? -eq 2 ]; then
  say stop "cannot read connected cluster $ARC_CLUSTER_NAME in group $ARC_RESOURCE_GROUP from Azure: $(last_line)"
elif [ -n "$crds" ]; then
  stale "Arc CRDs left behind by an earlier onboarding: $crds"
fi
