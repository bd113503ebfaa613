# Postbox container image, shaped like the official redis image.
#
#   docker build -t postbox .
#   docker run -d --name postbox -p 6379:6379 -v postbox-data:/data postbox \
#     postbox-server --requirepass "$POSTBOX_PASSWORD"
#
# The default command runs postbox-server with /usr/local/etc/postbox/postbox.conf (conf/postbox.conf
# with bind 0.0.0.0, protected-mode yes, dir /data). See README.md, section Docker, and
# docker/docker-entrypoint.sh for how arguments are handled. scripts/docker-image builds this
# file with podman (no Docker engine needed) on a locally made Debian 12 base and smoke-tests it.

# Any Debian 12 (bookworm) image; scripts/docker-image passes one it made with debootstrap.
ARG BASE_IMAGE=debian:12-slim

############################## build stage ######################################
FROM ${BASE_IMAGE} AS build
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ make cmake pkg-config libuv1-dev liblmdb-dev libfmt-dev; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only the server is built, with the build script CI uses. tests/ is not copied (CMakeLists.txt
# then leaves the test drivers out), so editing a test does not invalidate this stage.
COPY CMakeLists.txt ./
COPY scripts/build.sh scripts/
COPY src src
RUN scripts/build.sh release postbox-server && strip build/postbox-server
# The container's configuration: conf/postbox.conf with three directives changed; each sed must
# hit exactly one line, so a change to conf/postbox.conf cannot silently drop one.
COPY conf/postbox.conf /tmp/postbox.conf
RUN set -eu; \
    sed -e 's|^bind .*|bind 0.0.0.0|' \
        -e 's|^protected-mode .*|protected-mode yes|' \
        -e 's|^dir .*|dir /data|' \
        /tmp/postbox.conf > /src/postbox.conf; \
    for line in 'bind 0.0.0.0' 'protected-mode yes' 'dir /data'; do \
      test "$(grep -c "^${line%% *} " /src/postbox.conf)" = 1; \
      grep -qx "$line" /src/postbox.conf; \
    done

############################## runtime stage ####################################
FROM ${BASE_IMAGE}
# The user first, so that it gets uid/gid 999 (as redis has in the redis image) whatever the
# packages below add.
RUN set -eux; \
    groupadd --system --gid 999 postbox; \
    useradd --system --uid 999 --gid postbox --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin postbox
# Runtime libraries of postbox-server, and redis-tools for redis-cli (health check, debugging).
# setpriv, used by the entrypoint to drop root, is in util-linux, which every Debian has.
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 liblmdb0 libfmt9 redis-tools; \
    rm -rf /var/lib/apt/lists/*; \
    command -v setpriv
COPY --from=build /src/build/postbox-server /usr/local/bin/postbox-server
COPY --from=build /src/postbox.conf /usr/local/etc/postbox/postbox.conf
COPY docker/docker-entrypoint.sh docker/postbox-healthcheck /usr/local/bin/
RUN set -eux; \
    chmod 0755 /usr/local/bin/docker-entrypoint.sh /usr/local/bin/postbox-healthcheck; \
    chmod 0644 /usr/local/etc/postbox/postbox.conf; \
    mkdir -p /data; \
    chown postbox:postbox /data; \
    postbox-server --version

LABEL org.opencontainers.image.title="postbox" \
      org.opencontainers.image.description="Durable message-queue server that speaks the Redis protocol"

VOLUME /data
WORKDIR /data
EXPOSE 6379
STOPSIGNAL SIGTERM
# redis-cli ping on 127.0.0.1:6379 (POSTBOX_HEALTHCHECK_PORT / _HOST change it; with requirepass
# the NOAUTH reply also proves the server alive, or set REDISCLI_AUTH).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["postbox-healthcheck"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postbox-server"]
