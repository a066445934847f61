#!/usr/bin/env bash
# `make run`: the main job.
#
# The TLS daemon does not drive cards yet (that is the offload work still
# open), so for now `make run` shows the card stack working: it runs the
# card selftest on two sim cards, then the driver benchmarks, and says so.
set -eu
ctl=build/bin/tlscardctl
echo "make run: the tlscardd daemon does not drive cards yet."
echo "make run: running the card selftest on 2 sim cards, then the driver benchmark."
echo
echo "== $ctl selftest --device sim:2"
"$ctl" selftest --device sim:2
echo
echo "== $ctl bench (driver benchmarks on sim cards)"
for b in null aead digest lb; do
	echo "-- bench $b"
	"$ctl" bench "$b"
done
