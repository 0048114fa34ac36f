# Debian 12 packages Warden needs; sourced by scripts/run and scripts/test.

WD_BUILD_PKGS="build-essential autoconf automake pkg-config \
libssl-dev libpcre2-dev libmagic-dev libsqlite3-dev libcunit1-dev \
libevent-dev zlib1g-dev libbrotli-dev libidn2-dev libarchive-dev \
libcrypt-dev libcurl4-openssl-dev node-llhttp"
WD_TEST_PKGS="nginx libnginx-mod-http-brotli-filter curl openssl libnss3-tools python3 procps chromium"

# wd_install PKG...: installs what is missing (apt-get update first).
wd_install() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "Installing Debian packages:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# Packages with services (nginx) must not start them: tests run
	# their own instances on free ports.
	$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
	    apt-get install -y -q --no-install-recommends $missing
}

# wd_build DIR CONFIGURE-ARGS...: an out-of-tree build in DIR.
wd_build() {
	dir=$1
	shift
	[ -x configure ] || autoreconf -fi
	mkdir -p "$dir"
	(cd "$dir" && ../configure "$@" >configure.out &&
	    make -j"$(nproc)") || { tail -30 "$dir/configure.out" 2>/dev/null; return 1; }
}
