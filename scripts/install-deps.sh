#!/usr/bin/env bash
# Installs the system packages the build needs (Debian/Ubuntu): OpenBLAS for the softmax model's
# dense products (system-library target COpenBLAS, found through pkg-config). Does nothing when
# they are already there.
set -euo pipefail
if pkg-config --exists openblas 2>/dev/null; then exit 0; fi
packages="libopenblas-dev pkg-config"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: the build needs: $packages (run as root: apt-get install -y $packages)" >&2; exit 1
  fi
else SUDO=""; fi
echo "installing $packages (apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $packages >/dev/null
