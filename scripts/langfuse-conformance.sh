#!/usr/bin/env bash
# Langfuse SDK conformance: run the Langfuse Python SDK's own end-to-end suite (`tests/e2e` of
# the langfuse/langfuse-python repository) against a real `tracehouse serve`.
#
#   scripts/langfuse-conformance.sh PATH_TO_LANGFUSE_PYTHON_CHECKOUT [REF]
#
# e.g. `git clone https://github.com/langfuse/langfuse-python /tmp/lfpy` once, then
# `scripts/langfuse-conformance.sh /tmp/lfpy v4.14.3`. REF defaults to the checkout's HEAD.
#
# What it does, all under $CONFORMANCE_DIR/REF (default /tmp/langfuse-conformance/REF):
#   1. clones the checkout at REF into src/ (the checkout itself is left alone);
#   2. makes a separate venv (venv/, with $CONFORMANCE_PYTHON, default python3 >= 3.11) holding
#      `langfuse==<the tag's version>` from PyPI and the tag's test dependencies (once);
#   3. starts the local OpenAI-compatible test server (tests/fake_openai.py) for the tests that
#      call a provider, and a fresh `tracehouse serve` (data/, SQLite unless
#      TRACEHOUSE_DATABASE_URL is set) with Langfuse's CI settings: keys pk-lf-1234567890 /
#      sk-lf-1234567890, project id 7a88fb47-b4e2-43b8-a06c-a5ce950dc53a, at
#      http://localhost:3000 ($CONFORMANCE_PORT; the suite's trace-URL tests expect port 3000);
#   4. runs tests/e2e as Langfuse's CI does (the parallel tests with $CONFORMANCE_WORKERS xdist
#      workers, default 2, then the `serial_e2e` ones), then each failure again alone;
#   5. prints per-file counts and the failures left (also written to summary.txt).
# The tracehouse command is $TRACEHOUSE, else .venv/bin/tracehouse of this repo, else the one on
# PATH; this repo's src/ is put first on PYTHONPATH so the server runs this checkout's code.
# Not part of `make test`: it needs the SDK checkout and takes ~10 minutes.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SDK_REPO="$(cd "${1:?usage: $0 PATH_TO_LANGFUSE_PYTHON_CHECKOUT [REF]}" && pwd)"
REF="${2:-HEAD}"
WORK="${CONFORMANCE_DIR:-/tmp/langfuse-conformance}/${REF//\//_}"
WORKERS="${CONFORMANCE_WORKERS:-2}"
PYTHON="${CONFORMANCE_PYTHON:-python3}"
PUBLIC_KEY="pk-lf-1234567890"
SECRET_KEY="sk-lf-1234567890"
PROJECT_ID="7a88fb47-b4e2-43b8-a06c-a5ce950dc53a"
if [[ -n "${TRACEHOUSE:-}" ]]; then
    TH="$TRACEHOUSE"
elif [[ -x "$ROOT/.venv/bin/tracehouse" ]]; then
    TH="$ROOT/.venv/bin/tracehouse"
else
    TH="$(command -v tracehouse)" || { echo "no tracehouse command: set TRACEHOUSE" >&2; exit 1; }
fi
TH_PYTHON="$(dirname "$TH")/python"
mkdir -p "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "== langfuse-python $REF (in $WORK)"
rm -rf "$WORK/src"
git clone --quiet "$SDK_REPO" "$WORK/src"
git -C "$WORK/src" checkout --quiet "$REF"
VERSION="$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$WORK/src/pyproject.toml")"

STAMP="$WORK/venv/.installed-$VERSION"
if [[ ! -f "$STAMP" ]]; then
    echo "== venv: langfuse==$VERSION and its test dependencies"
    rm -rf "$WORK/venv"
    "$PYTHON" -m venv "$WORK/venv"
    # The dev group without the linters and hooks; older tags keep it in Poetry's table.
    mapfile -t DEPS < <("$PYTHON" - "$WORK/src/pyproject.toml" <<'EOF'
import sys, tomllib
data = tomllib.load(open(sys.argv[1], "rb"))
dev = data.get("dependency-groups", {}).get("dev")
if dev is None:
    poetry = data.get("tool", {}).get("poetry", {}).get("group", {}).get("dev", {})
    dev = [f"{name}{'' if spec == '*' else spec}" if isinstance(spec, str) else name
           for name, spec in poetry.get("dependencies", {}).items()]
for dep in dev:
    name = dep.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
    if name not in {"pre-commit", "ruff", "mypy", "pdoc"}:
        print(dep.replace("^", ">="))
EOF
)
    "$WORK/venv/bin/pip" install --quiet "langfuse==$VERSION" "${DEPS[@]}" >"$WORK/pip.log" 2>&1 \
        || { tail -n 20 "$WORK/pip.log"; exit 1; }
    touch "$STAMP"
fi

echo "== servers"
PORT="${CONFORMANCE_PORT:-3000}"  # the suite's trace-URL tests expect http://localhost:3000
if curl --silent --max-time 2 "http://localhost:$PORT/" >/dev/null; then
    echo "port $PORT is taken: stop what listens there or set CONFORMANCE_PORT" >&2
    exit 1
fi
rm -rf "$WORK/data" && mkdir -p "$WORK/data"
PYTHONPATH="$ROOT" "$TH_PYTHON" -u -c '
import time
from tests import fake_openai
with fake_openai.fake_openai() as url:
    print(url, flush=True)
    time.sleep(86400)
' >"$WORK/fake_openai.url" &
PIDS+=($!)
PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}" \
TRACEHOUSE_INIT_PUBLIC_KEY="$PUBLIC_KEY" TRACEHOUSE_INIT_SECRET_KEY="$SECRET_KEY" \
TRACEHOUSE_INIT_PROJECT_ID="$PROJECT_ID" TRACEHOUSE_INIT_ORG_NAME="SDK Test Org" \
TRACEHOUSE_INIT_PROJECT_NAME="SDK Test Project" TRACEHOUSE_INIT_USER_EMAIL="sdk-tests@langfuse.local" \
TRACEHOUSE_INIT_USER_PASSWORD="langfuse-ci-password" \
    "$TH" serve --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
BASE_URL="http://localhost:$PORT"
for _ in $(seq 120); do
    curl --silent --fail "$BASE_URL/api/public/health" >/dev/null && [[ -s "$WORK/fake_openai.url" ]] && break
    sleep 0.5
done
curl --silent --fail "$BASE_URL/api/public/health" >/dev/null || { cat "$WORK/server.log"; exit 1; }
echo "tracehouse at $BASE_URL, OpenAI stand-in at $(cat "$WORK/fake_openai.url")"

export LANGFUSE_BASE_URL="$BASE_URL" LANGFUSE_HOST="$BASE_URL"
export LANGFUSE_PUBLIC_KEY="$PUBLIC_KEY" LANGFUSE_SECRET_KEY="$SECRET_KEY"
export LANGFUSE_E2E_READ_TIMEOUT_SECONDS=60 LANGFUSE_E2E_READ_INTERVAL_SECONDS=0.5
export OPENAI_API_KEY="test-openai-key" OPENAI_BASE_URL="$(cat "$WORK/fake_openai.url")"
PYTEST=("$WORK/venv/bin/pytest" -p no:cacheprovider -q -rfE --timeout=180 --timeout-method=thread)
cd "$WORK/src"
rm -f "$WORK"/*.xml "$WORK"/alone-*.log

echo "== tests/e2e, parallel part ($WORKERS workers)"
"${PYTEST[@]}" -n "$WORKERS" --dist worksteal --junitxml="$WORK/parallel.xml" \
    tests/e2e -m "not serial_e2e" >"$WORK/parallel.log" 2>&1 || true
tail -n 3 "$WORK/parallel.log"
echo "== tests/e2e, serial part"
"${PYTEST[@]}" --junitxml="$WORK/serial.xml" tests/e2e -m "serial_e2e" >"$WORK/serial.log" 2>&1 || true
tail -n 3 "$WORK/serial.log"

echo "== each failure alone"
mapfile -t FAILED < <(grep -hE '^(FAILED|ERROR) tests/' "$WORK/parallel.log" "$WORK/serial.log" \
    | sed -E 's/^(FAILED|ERROR) //; s/ - .*$//' | sort -u)
: >"$WORK/alone.txt"
for nodeid in "${FAILED[@]}"; do
    log="$WORK/alone-$(echo "$nodeid" | tr -c 'A-Za-z0-9_.-' '_').log"
    if "${PYTEST[@]}" "$nodeid" >"$log" 2>&1; then
        echo "passed $nodeid" | tee -a "$WORK/alone.txt"
    else
        echo "failed $nodeid  ($(grep -m1 -E '^E ' "$log" | sed -E 's/^E +//' | cut -c1-150))" \
            | tee -a "$WORK/alone.txt"
    fi
done

"$WORK/venv/bin/python" - "$WORK" "$VERSION" <<'EOF' | tee "$WORK/summary.txt"
import sys, collections, xml.etree.ElementTree as ET
work, version = sys.argv[1], sys.argv[2]
counts = collections.defaultdict(collections.Counter)
for part in ("parallel", "serial"):
    try:
        root = ET.parse(f"{work}/{part}.xml").getroot()
    except (FileNotFoundError, ET.ParseError):
        continue
    for case in root.iter("testcase"):
        module = "/".join(case.get("classname", "").split(".")[:3]) + ".py"
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "failed"
            elif child.tag == "skipped":
                kind = "skipped"
        counts[module][kind] += 1
alone = [line.split(" ", 1) for line in open(f"{work}/alone.txt").read().splitlines()]
rescued = collections.Counter(n.split("::")[0] for s, n in alone if s == "passed")
print(f"langfuse-python tests/e2e, SDK {version}")
print(f"{'file':42} {'passed':>6} {'failed':>6} {'skipped':>7} {'pass alone':>10}")
total = collections.Counter()
for module in sorted(counts):
    c = counts[module]
    total.update(c)
    print(f"{module:42} {c['passed']:6} {c['failed']:6} {c['skipped']:7} {rescued[module]:10}")
total_rescued = sum(rescued.values())
print(f"{'total':42} {total['passed']:6} {total['failed']:6} {total['skipped']:7} {total_rescued:10}")
print(f"passed {total['passed']} / failed {total['failed']} / skipped {total['skipped']};"
      f" after rerunning each failure alone: passed {total['passed'] + total_rescued},"
      f" failed {total['failed'] - total_rescued}")
for state, nodeid in alone:
    if state == "failed":
        print("still failing:", nodeid)
EOF
