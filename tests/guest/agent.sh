#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test agent: runs shell scripts the host harness (tests/harness/)
# sends over a serial port and returns their output and exit status.
#
# Protocol, one line each way per message:
#   host -> guest  "@@PING"                  guest answers "@@PONG"
#   host -> guest  "@@RUN <id> <base64>"     base64 of a shell script
#   guest -> host  "@@BEGIN <id>", the script's output (stdout and stderr,
#                  as lines), then "@@END <id> <exit status>"
# Scripts run one at a time in a fresh sh; background jobs they start
# survive (see bg_start/bg_wait in /etc/agent-lib.sh).
port=${1:-/dev/ttyS1}

stty -F "$port" 115200 raw -echo -echoe -echok -echoctl -echoke 2>/dev/null
exec <"$port" >"$port" 2>&1

while IFS=' ' read -r cmd id payload; do
	case "$cmd" in
	@@PING)
		echo "@@PONG"
		;;
	@@RUN)
		echo "$payload" | base64 -d >/tmp/agent-script.sh
		echo "@@BEGIN $id"
		(cd /tmp && . /etc/agent-lib.sh && . /tmp/agent-script.sh) \
			</dev/null >/tmp/agent-out 2>&1
		rc=$?
		cat /tmp/agent-out
		echo "@@END $id $rc"
		;;
	esac
done
