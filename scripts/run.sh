#!/usr/bin/env bash
# `make run`: tlscardd on 127.0.0.1:8443 with two sim cards, a generated
# certificate and a small HTTP backend, in the foreground.  Ctrl-C stops
# it cleanly (the daemon drains, the backend is stopped with it).
#
# Environment: PORT (8443), BACKEND_PORT (8080), CARDS (sim:2).
set -eu
cd "$(dirname "$0")/.."
PORT=${PORT:-8443}
BACKEND_PORT=${BACKEND_PORT:-8080}
CARDS=${CARDS:-sim:2}
run=build/run
mkdir -p "$run/www"

# A self-signed ECDSA P-256 certificate for localhost, made once.
if [ ! -s "$run/cert.pem" ] || [ ! -s "$run/key.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$run/key.pem" -out "$run/cert.pem" -days 365 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost \
		>/dev/null 2>&1
fi
cat > "$run/www/index.html" <<HTML
<!doctype html>
<title>tlscard</title>
<p>Hello through tlscardd: TLS terminated with the help of ${CARDS} cards.</p>
HTML

backend_pid=
cleanup() {
	[ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null || true
}
trap cleanup EXIT

/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$run/www" \
	"$BACKEND_PORT" >"$run/backend.log" 2>&1 &
backend_pid=$!

cat <<MSG
make run: tlscardd on https://127.0.0.1:$PORT with cards $CARDS,
          proxying to the HTTP backend on 127.0.0.1:$BACKEND_PORT.

  try it:    curl --cacert $run/cert.pem https://localhost:$PORT/
  watch it:  build/bin/tlscardctl top --control $run/tlscardd.sock
  stats:     build/bin/tlscardctl stats --control $run/tlscardd.sock

Ctrl-C stops it.
MSG

# Not exec: the trap must stop the backend when the daemon exits.
build/bin/tlscardd --listen "127.0.0.1:$PORT" \
	--cert "$run/cert.pem" --key "$run/key.pem" \
	--backend "127.0.0.1:$BACKEND_PORT" --cards "$CARDS" \
	--control "$run/tlscardd.sock" &
daemon_pid=$!
trap 'kill -TERM $daemon_pid 2>/dev/null || true' INT TERM
wait $daemon_pid || true
wait $daemon_pid 2>/dev/null || true
