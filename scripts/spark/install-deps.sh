#!/usr/bin/env bash
# What the Spark round trip (scripts/spark, the ML-100K Spark test of `make test`) needs: Java 17+
# (Debian's openjdk-17-jre-headless, with apt-get) and pyspark + numpy (pip). Does nothing when
# they are there. Without them the Spark test is skipped with the reason.
set -euo pipefail
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
  echo "installing openjdk-17-jre-headless (apt-get) for Spark"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if ! python3 -c "import pyspark, numpy" 2>/dev/null; then
  echo "installing pyspark and numpy (pip)"
  python3 -m pip install --quiet pyspark numpy
fi
python3 -c "import pyspark; print('pyspark', pyspark.__version__)"
