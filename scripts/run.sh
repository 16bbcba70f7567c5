#!/usr/bin/env bash
# The main job: install what is missing, build, and write the numerics design report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release
./build/emulator/cli/codesim report numerics --out reports/numerics
echo "report written to reports/numerics/report.md and reports/numerics/index.html"
