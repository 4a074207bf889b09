#!/usr/bin/env bash
# just free-threaded: a free-threaded CPython (PEP 703: no GIL), found or built, its path the
# last line on stdout; everything else goes to stderr.
#
#   scripts/free-threaded.sh [--find-only] [--source Python-3.X.Y.tar.xz]
#
# Where it looks, in order (3.14t before 3.13t at each step):
#   1. python3.14t / python3.13t on the PATH;
#   2. the cache, ${XDG_CACHE_HOME:-$HOME/.cache}/concurrency-measured/cpython-3.1Xt (a build
#      of an earlier run, of this clone or another);
#   3. uv (`uv python install 3.14t`), where uv is installed and can reach its downloads;
# and with --find-only it stops there (exit 3). Otherwise it builds one into the cache from:
#   4. --source TARBALL (a CPython source tarball you fetched yourself), else
#   5. python.org (CPython 3.13.18, checked against the SHA-256 that Debian's signed index gives
#      for the same upstream tarball), else
#   6. Debian's source package, fetched with an apt state of its own under the cache (the
#      system's apt configuration is not touched; apt checks it against the signed index):
#      python3.14 from unstable where the mirror serves it, else python3.13 from trixie.
# The build: ./configure --disable-gil --prefix=CACHE/cpython-3.1Xt, make -j$(nproc), make
# install into a staging folder renamed into place whole (minutes on 2 cores; a second run
# takes a second). Build tools it lacks are installed with apt when run as root, else named.
# Two runs at once wait for each other (flock). It fails with one line when no source works.
set -euo pipefail

say() { echo "free-threaded: $*" >&2; }
die() { echo "free-threaded: $*" >&2; exit 1; }

find_only=
source_tarball=
while [ $# -gt 0 ]; do
    case "$1" in
        --find-only) find_only=1 ;;
        --source) [ $# -ge 2 ] || die "--source needs a tarball"; source_tarball=$2; shift ;;
        --source=*) source_tarball=${1#--source=} ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (--find-only, --source TARBALL)" ;;
    esac
    shift
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/concurrency-measured"
# Sources, overridable for tests (a closed port stands for "unreachable").
python_org=${FREE_THREADED_PYTHON_ORG:-https://www.python.org/ftp/python}
debian_mirror=${FREE_THREADED_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debian_keyring=${FREE_THREADED_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
# The python.org tarball and its SHA-256 (Debian's python3.13_3.13.18.orig.tar.xz, which
# carries upstream's signature, so it is byte for byte python.org's).
pyorg_version=3.13.18
pyorg_sha256=abb0102e6d4ae027509bcb82327d9dd85515b44a3ba8ad538cfc5e9847029f68

# An interpreter that runs with no GIL by default (PYTHON_GIL unset).
free_threaded() {
    [ -x "$1" ] && env -u PYTHON_GIL "$1" -c \
        'import sys; sys.exit(0 if hasattr(sys, "_is_gil_enabled") and not sys._is_gil_enabled() else 1)' \
        >/dev/null 2>&1
}

found() {
    say "$2: $("$1" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo '?') at $1"
    echo "$1"
    exit 0
}

# 1. the PATH
for name in python3.14t python3.13t; do
    if path=$(command -v "$name" 2>/dev/null) && free_threaded "$path"; then found "$path" "on the PATH"; fi
done
# 2. the cache
for v in 3.14 3.13; do
    path="$cache/cpython-${v}t/bin/python${v}t"
    if free_threaded "$path"; then found "$path" "built earlier, in the cache"; fi
done
# 3. uv
if [ -z "${FREE_THREADED_NO_UV:-}" ] && command -v uv >/dev/null 2>&1; then
    say "asking uv for CPython 3.14t"
    if uv python install 3.14t >&2 && path=$(uv python find 3.14t 2>/dev/null) && free_threaded "$path"; then
        found "$path" "installed by uv"
    fi
    say "uv could not provide 3.14t; building from source"
fi
if [ -n "$find_only" ]; then
    say "none found (no python3.14t/python3.13t on the PATH, none built in $cache); \`just free-threaded\` builds one"
    exit 3
fi

# The build needs a C compiler, make, tar and xz.
missing=()
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc)
for tool in make tar xz curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ -z "$source_tarball" ]; then command -v apt-get >/dev/null 2>&1 || missing+=(apt-get); fi
if [ ${#missing[@]} -gt 0 ]; then
    packages=$(printf '%s\n' "${missing[@]}" | sed 's/^xz$/xz-utils/; s/^gcc$/build-essential/' | grep -v apt-get | tr '\n' ' ')
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -n "$packages" ]; then
        say "installing the build tools: $packages"
        apt-get install -y -q $packages >&2 || die "could not install $packages; install them and run again"
    else
        die "the build needs: ${missing[*]}; install them (Debian: sudo apt-get install ${packages:-<none>}) and run again"
    fi
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
    say "waiting for another build in $cache to finish"
    flock 9
fi
# Another run may have built it while this one waited.
for v in 3.14 3.13; do
    path="$cache/cpython-${v}t/bin/python${v}t"
    if free_threaded "$path"; then found "$path" "built by the run this one waited for"; fi
done

work=$(mktemp -d "$cache/.build-XXXXXX")
make_group=
# The build folder goes on every way out, and a running make with its compilers.
cleanup() {
    if [ -n "$make_group" ]; then kill -TERM -- "-$make_group" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tarball=
version=
# 4. a tarball given
if [ -n "$source_tarball" ]; then
    [ -f "$source_tarball" ] || die "$source_tarball: no such file"
    version=$(basename "$source_tarball" | sed -n 's/^Python-\(3\.[0-9]*\.[0-9]*\)\.tar\.\(xz\|gz\)$/\1/p')
    [ -n "$version" ] || die "$source_tarball: not named Python-3.X.Y.tar.xz (or .tar.gz): which version is it?"
    tarball=$source_tarball
    say "building CPython $version from $source_tarball (given)"
fi
# 5. python.org
if [ -z "$tarball" ]; then
    say "fetching CPython $pyorg_version from $python_org"
    if curl -fsSL --connect-timeout 10 --max-time 300 -o "$work/Python-$pyorg_version.tar.xz" \
        "$python_org/$pyorg_version/Python-$pyorg_version.tar.xz" 2>/dev/null; then
        echo "$pyorg_sha256  $work/Python-$pyorg_version.tar.xz" | sha256sum -c --quiet - >&2 \
            || die "python.org's Python-$pyorg_version.tar.xz does not match its SHA-256 ($pyorg_sha256); not built"
        tarball="$work/Python-$pyorg_version.tar.xz"
        version=$pyorg_version
    else
        say "python.org is not reachable from here"
    fi
fi
# 6. Debian's source package, with an apt state of its own.
if [ -z "$tarball" ]; then
    apt_dir="$cache/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
    printf 'deb-src [signed-by=%s] %s %s main\n' "$debian_keyring" "$debian_mirror" unstable "$debian_keyring" "$debian_mirror" trixie \
        >"$apt_dir/sources.list"
    apt=(apt-get -q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
         -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir"
         -o Acquire::Retries=0 -o Acquire::http::Timeout=20 -o APT::Sandbox::User=root)
    say "reading Debian's source index at $debian_mirror (apt state in $apt_dir)"
    if "${apt[@]}" update >"$work/apt-update.log" 2>&1 && ! grep -q '^[EW]: Failed' "$work/apt-update.log"; then
        for package in python3.14/unstable python3.13/trixie; do
            mkdir -p "$work/deb" && rm -f "$work/deb/"*
            say "fetching Debian's $package source package"
            if (cd "$work/deb" && "${apt[@]}" source --download-only "$package" >"$work/apt-source.log" 2>&1); then
                orig=$(ls "$work/deb/"*.orig.tar.xz 2>/dev/null | head -1)
                dsc=$(ls "$work/deb/"*.dsc 2>/dev/null | head -1)
                if [ -n "$orig" ] && [ -n "$dsc" ]; then
                    # apt checked every file against the signed index; the .dsc's own sum too.
                    want=$(awk '/^Checksums-Sha256:/{s=1;next} /^[^ ]/{s=0} s && $3 ~ /orig\.tar\.xz$/ {print $1}' "$dsc")
                    [ "$(sha256sum "$orig" | cut -d' ' -f1)" = "$want" ] || die "$orig does not match its .dsc's SHA-256; not built"
                    version=$(basename "$orig" | sed -n 's/^python3\.[0-9]*_\(3\.[0-9]*\.[0-9]*\)\.orig\.tar\.xz$/\1/p')
                    tarball=$orig
                    break
                fi
            fi
            say "$package: $(grep -m1 -E '^(E|Err):' "$work/apt-source.log" 2>/dev/null || echo 'not served')"
        done
    else
        say "Debian's index: $(grep -m1 -E '^(E|W|Err)' "$work/apt-update.log" || echo 'not reachable')"
    fi
fi
[ -n "$tarball" ] || die "no CPython source reachable (python.org, Debian's mirror at $debian_mirror); fetch a Python-3.13.x or 3.14.x tarball yourself and run: scripts/free-threaded.sh --source Python-3.X.Y.tar.xz"

minor=${version%.*}
prefix="$cache/cpython-${minor}t"
say "building CPython $version without the GIL into $prefix (a few minutes on $(nproc) cores)"
tar -xf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'Python-*' | head -1)
[ -n "$src" ] || src=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name deb | head -1)
[ -f "$src/configure" ] || die "$tarball: no configure script inside; not a CPython source tarball"
cd "$src"
started=$SECONDS
say "configure --disable-gil (log: $work/configure.log)"
./configure --disable-gil --prefix="$prefix" --without-ensurepip >"$work/configure.log" 2>&1 \
    || die "configure failed; the end of its log: $(tail -n 3 "$work/configure.log" | tr '\n' ' ')"
say "make -j$(nproc)"
setsid make -j"$(nproc)" >"$work/make.log" 2>&1 &
make_pid=$!
make_group=$make_pid
while kill -0 "$make_pid" 2>/dev/null; do
    sleep 15 & wait $! || true
    kill -0 "$make_pid" 2>/dev/null && say "compiling: $(find . -name '*.o' | wc -l) files built, $((SECONDS - started)) s"
done
status=0
wait "$make_pid" || status=$?
make_group=
[ "$status" = 0 ] || die "make failed; the end of its log: $(tail -n 3 "$work/make.log" | tr '\n' ' ')"
say "make install (staged, then renamed into place)"
make install DESTDIR="$work/stage" >"$work/install.log" 2>&1 \
    || die "make install failed; the end of its log: $(tail -n 3 "$work/install.log" | tr '\n' ' ')"
rm -rf "$prefix"
mv "$work/stage$prefix" "$prefix"
python="$prefix/bin/python${minor}t"
if ! free_threaded "$python"; then
    rm -rf "$prefix"
    die "$python was built but runs with a GIL; removed"
fi
say "built in $((SECONDS - started)) s"
found "$python" "built from source"
