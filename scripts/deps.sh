#!/usr/bin/env bash
# Installs the Debian packages mocod needs to build, test and benchmark, when missing.
#   scripts/deps.sh           build and test (the PostgreSQL server too: scripts/test.sh runs the
#                             API tests on a private cluster of its own as well)
#   scripts/deps.sh --bench   and wrk
#   scripts/deps.sh --fuzz    and clang with its runtime (libFuzzer, ASan, UBSan) for fuzz/
set -euo pipefail
# libcairo2-dev, libpango1.0-dev: src/pdf (invoice and offer PDFs), with a font it finds for sure
# (fonts-dejavu-core); qpdf and poppler-utils (pdftotext, pdfinfo, pdfdetach): the PDF tests;
# libxml2-dev: tests/api/test_einvoices.c reads the e-invoices' XML by XPath
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libsodium-dev libcurl4-openssl-dev libpq-dev libcmocka-dev openssl curl python3 postgresql
      libcairo2-dev libpango1.0-dev fonts-dejavu-core qpdf poppler-utils libxml2-dev)
[ "${1:-}" = "--bench" ] && pkgs+=(wrk)
# Debian 12: clang is clang 14; libFuzzer (libclang_rt.fuzzer) comes with libclang-rt-14-dev
[ "${1:-}" = "--fuzz" ] && pkgs+=(clang libclang-rt-14-dev)
missing=()
installed()
{
    [[ $(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null) == *"install ok installed"* ]]
}
for p in "${pkgs[@]}"; do
    # postgresql is Debian's default version; any installed postgresql-NN server will do
    [ "$p" = postgresql ] && installed 'postgresql-[0-9]*' && continue
    installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
