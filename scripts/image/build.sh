#!/bin/sh
# Builds the container image of Dockerfile, tagged $1 (default openbind:dev),
# with podman, buildah or docker (the first found, or $BUILDER), and checks
# it: `--version` runs as the non-root user and the CA certificates are in.
#
#   scripts/image/build.sh [TAG]
#
# The binary is built as scripts/release builds it (static, -trimpath,
# version from the tag on HEAD, else the commit), for the build machine's
# architecture (GOARCH overrides).
set -eu
cd "$(dirname "$0")/../.."
tag=${1:-openbind:dev}

builder=${BUILDER:-}
if [ -z "$builder" ]; then
	for b in podman buildah docker; do
		if command -v "$b" >/dev/null 2>&1; then builder=$b; break; fi
	done
fi
[ -n "$builder" ] || { echo "scripts/image: no podman, buildah or docker" >&2; exit 1; }

commit=$(git rev-parse HEAD)
ts=$(git log -1 --format=%ct HEAD)
date=$(date -u -d "@$ts" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$ts" +%Y-%m-%dT%H:%M:%SZ)
version=$(git describe --tags --exact-match HEAD 2>/dev/null | sed 's/^v//') || true
[ -n "$version" ] || version=0.0.0-$(echo "$date" | tr -d -- '-:TZ')-$(echo "$commit" | cut -c1-12)

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 GOOS=linux GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false \
	-ldflags "-s -w -buildid= -X main.version=$version -X main.commit=$commit -X main.date=$date" \
	-o "$ctx/openbind" .
certs=""
for c in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
	if [ -s "$c" ]; then certs=$c; break; fi
done
[ -n "$certs" ] || { echo "scripts/image: no CA certificates on this machine (install ca-certificates)" >&2; exit 1; }
cp "$certs" "$ctx/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nopenbind:x:65532:65532:openbind:/results:/sbin/nologin\n' >"$ctx/passwd"
printf 'root:x:0:\nopenbind:x:65532:\n' >"$ctx/group"
mkdir "$ctx/results" "$ctx/tmp"

case $builder in
buildah) buildah bud --layers=false -f Dockerfile -t "$tag" "$ctx" ;;
*) "$builder" build -f Dockerfile -t "$tag" "$ctx" ;;
esac

# The image runs --version as the non-root user and holds the certificates:
# in a container where the machine lets one start, else (a sandbox that
# refuses the container's setrlimit, as here) in the image's file system,
# mounted, under chroot as that user.
run=$builder
[ "$builder" = buildah ] && run=podman
command -v "$run" >/dev/null 2>&1 || run=""
user=""
[ -n "$run" ] && user=$("$run" image inspect --format '{{.Config.User}}' "$tag")
[ -z "$run" ] || [ "$user" = 65532:65532 ] || { echo "scripts/image: the image runs as '$user', want 65532:65532" >&2; exit 1; }
how=""
if [ -n "$run" ] && out=$("$run" run --rm "$tag" --version 2>/dev/null); then
	how="in a container"
elif [ "$run" = podman ] && [ "$(id -u)" = 0 ] && mnt=$(podman image mount "$tag" 2>/dev/null); then
	test -s "$mnt/etc/ssl/certs/ca-certificates.crt" || { echo "scripts/image: no CA certificates in the image" >&2; exit 1; }
	out=$(chroot --userspec=65532:65532 "$mnt" /usr/local/bin/openbind --version) || out=""
	podman image unmount "$tag" >/dev/null
	how="under chroot in the image's file system (the machine refused to start a container)"
else
	echo "scripts/image: built $tag ($version) with $builder; could not run it here to check it"
	exit 0
fi
echo "$out"
echo "$out" | grep -q "^openbind $version\$" || { echo "scripts/image: --version in the image said: $out" >&2; exit 1; }
echo "scripts/image: built $tag ($version) with $builder; --version ran $how as user 65532"
