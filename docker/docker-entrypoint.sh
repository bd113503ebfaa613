#!/bin/sh
# Entrypoint of the Postbox image, shaped like the official redis image's docker-entrypoint.sh.
#
#   docker run IMAGE                           postbox-server CONF
#   docker run IMAGE --port 7000               postbox-server CONF --port 7000
#   docker run IMAGE postbox-server --port 7000   the same
#   docker run IMAGE /etc/my.conf --port 7000  postbox-server /etc/my.conf --port 7000 (no CONF)
#   docker run IMAGE postbox-server /etc/my.conf  the same
#   docker run IMAGE redis-cli -h host ...     runs that command as it is
#
# CONF is /usr/local/etc/postbox/postbox.conf (bind 0.0.0.0, protected-mode yes, dir /data). As
# in the redis image, a first argument that starts with '-' or ends in '.conf' means "arguments
# of the server". Unlike redis-server, postbox-server keeps its container defaults in CONF rather
# than compiled in, so CONF is put first whenever postbox-server is given no configuration file
# of its own (no arguments, or a first argument that is a --directive); directives given after it
# override it. A configuration file of your own replaces CONF: begin it with
# `include /usr/local/etc/postbox/postbox.conf` to keep the container's settings.
#
# Started as root (the default), it gives /data to the postbox user and runs the server as that
# user (setpriv, from util-linux, in place of the redis image's gosu); started with --user, it runs
# as that user and /data must be writable by it. The server replaces this script (exec), so it
# is PID 1 and gets docker stop's SIGTERM itself.
set -e

CONF=/usr/local/etc/postbox/postbox.conf

# first arg is `-f` or `--some-option`, or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- postbox-server "$@"
fi

if [ "$1" = 'postbox-server' ]; then
	if [ "$#" -eq 1 ]; then
		set -- postbox-server "$CONF"
	else
		case "$2" in
		--version | --help) ;;
		--*)
			shift
			set -- postbox-server "$CONF" "$@"
			;;
		esac
	fi

	# allow the container to be started with `--user`
	if [ "$(id -u)" = '0' ]; then
		if [ -d /data ]; then
			find /data \! -user postbox -exec chown postbox:postbox '{}' +
		fi
		exec setpriv --reuid=postbox --regid=postbox --init-groups "$0" "$@"
	fi
fi

# set an appropriate umask (if one isn't set already)
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
