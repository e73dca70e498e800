#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test agent: runs shell scripts the host harness (tests/harness/)
# sends over a serial port and returns their output and exit status.
#
# Protocol, one line each way per message:
#   host -> guest  "@@PING"                        guest answers "@@PONG"
#   host -> guest  "@@RUN <id> <md5> <base64>"     a shell script, base64,
#                  with the MD5 of the base64 text and its newline
#   guest -> host  "@@BEGIN <id>" as soon as it starts, then the script's
#                  output (stdout and stderr, as lines), then
#                  "@@END <id> <exit status>"
#   guest -> host  "@@BAD <id>" if the line arrived damaged (the host sends
#                  it again)
# The host repeats a @@RUN whose @@BEGIN does not come back (a line lost
# on the serial port of a busy guest); a repeated id that already ran is
# answered from the saved output, never run twice. Scripts run one at a
# time in a fresh sh; background jobs they start survive (see bg_start and
# bg_wait in /etc/agent-lib.sh).
port=${1:-/dev/ttyS1}

stty -F "$port" 115200 raw -echo -echoe -echok -echoctl -echoke 2>/dev/null
exec <"$port" >"$port" 2>&1

last=
while IFS=' ' read -r cmd id sum payload; do
	case "$cmd" in
	@@PING)
		echo "@@PONG"
		;;
	@@RUN)
		if [ "$id" = "$last" ]; then
			echo "@@BEGIN $id"
			cat /tmp/agent-out
			echo "@@END $id $(cat /tmp/agent-rc)"
			continue
		fi
		if [ "$(echo "$payload" | md5sum | cut -d' ' -f1)" != "$sum" ] ||
		   ! echo "$payload" | base64 -d >/tmp/agent-script.sh 2>/dev/null; then
			echo "@@BAD $id"
			continue
		fi
		echo "@@BEGIN $id"
		(cd /tmp && . /etc/agent-lib.sh && . /tmp/agent-script.sh) \
			</dev/null >/tmp/agent-out 2>&1
		echo $? >/tmp/agent-rc
		last=$id
		cat /tmp/agent-out
		echo "@@END $id $(cat /tmp/agent-rc)"
		;;
	esac
done
