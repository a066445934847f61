#!/usr/bin/env bash
# Run a pytest directory with Debian's python3 (the python3 first on PATH
# lacks Debian's packages).  Writes build/results/<dir>.txt.
set -u
dir=$1; shift
name=$(basename "$dir")
mkdir -p build/results
xml=build/results/$name.xml
/usr/bin/python3 -m pytest -ra -q -p no:cacheprovider --junitxml="$xml" "$dir" "$@"
rc=$?
/usr/bin/python3 - "$xml" "build/results/$name.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
    s = r if r.tag == "testsuite" else r.find("testsuite")
    t, f, e, sk = (int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    open(sys.argv[2], "w").write(f"{t - f - e - sk} {f + e} {sk}\n")
except Exception as exc:
    print("run-pytest: no results:", exc)
PY
# pytest exit 5 = no tests collected: that is a failure here, not a pass.
exit $rc
