#!/usr/bin/env bash
# bench_recall against closed-form cases: an IVF index that probes every list is an
# exhaustive search, so its recall is exactly 1; probing more lists scans a superset of
# items (lists are probed nearest centroid first), so recall never falls as nprobe grows;
# a bad override exits 2 with the scenario's message.
# Usage: bench_recall_test.sh BENCH_RECALL_BINARY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$bin" "$src/scenarios/rabbit_hole.yaml" --set catalog.n_items=2000 population.n_users=300 \
  index.factory=IVF16,Flat --values 16,1,2,4 --queries 300 --threads 1)
echo "$out"
line=$(tail -1 <<<"$out")
/usr/bin/python3 - "$line" <<'PY' || fail "recall outside its closed-form bounds"
import json, sys
r = {x["nprobe"]: x for x in json.loads(sys.argv[1])["results"]}
assert r[16]["recall"] == 1.0 and r[16]["recall_se"] == 0.0, r[16]
assert 0.0 < r[1]["recall"] <= r[2]["recall"] <= r[4]["recall"] <= r[16]["recall"], r
assert r[1]["recall"] < 1.0, r[1]  # one list of 16 misses some of the exact top 100
PY
set +e
msg=$("$bin" "$src/scenarios/rabbit_hole.yaml" --set population.n_users=-5 2>&1)
rc=$?
set -e
((rc == 2)) && grep -q "population.n_users" <<<"$msg" || fail "a bad override: exit $rc, $msg"
echo "bench_recall: exhaustive probing recalls everything; recall grows with nprobe"
