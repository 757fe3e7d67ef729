# The openbind image: the static binary (CGO_ENABLED=0) on an empty base,
# with CA certificates (without them --version works and every HTTPS call
# to WeChat fails), running as a non-root user, the results directory a
# volume.
#
# Build it with scripts/image, which builds the binary as scripts/release
# does and puts it, the build machine's CA certificates and a passwd entry
# into the build context; no registry is needed (FROM scratch):
#
#   scripts/image openbind:dev            # podman, buildah or docker
#   podman run --rm openbind:dev --version
FROM scratch
COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY openbind /usr/local/bin/openbind
# The results directory (and a /tmp for `openbind demo`), owned by the user.
COPY --chown=65532:65532 results /results
COPY --chown=65532:65532 tmp /tmp
ENV PATH=/usr/local/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt TMPDIR=/tmp
USER 65532:65532
WORKDIR /results
VOLUME ["/results"]
ENTRYPOINT ["openbind"]
