#!/usr/bin/env bash
# 单位CA证书登录 on a laptop: nginx in front of `make run` (run that first, in another terminal).
#   JSSI_CA_LOGIN_URL=https://localhost:8444/ca-login make run   (terminal 1: the link 使用CA证书登录 points here)
#   https://localhost:8443/        the production layout's site server (its websocket needs port 443: see docs)
#   https://localhost:8444/ca-login the mutual-TLS entry (the browser offers the imported unit certificate)
# It makes (once) a demo CA, a server certificate for localhost and the approved demo unit's certificate
# (var/demo-ca/*.pem to bind at the counter, *.p12 to import into the browser), and runs nginx in the foreground
# from var/nginx (no root needed). Ports: JSSI_NGINX_SITE_PORT, JSSI_NGINX_CA_PORT; the app: PORT.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
CONF=$($PY -m jssi_app ca-proxy-config --app "http://127.0.0.1:${PORT:-3000}" \
  --site-port "${JSSI_NGINX_SITE_PORT:-8443}" --ca-port "${JSSI_NGINX_CA_PORT:-8444}" | tail -1)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -t -q -p "$(dirname "$CONF")" -c "$CONF"
echo "nginx: CA证书登录入口 https://localhost:${JSSI_NGINX_CA_PORT:-8444}/ca-login (start the app with JSSI_CA_LOGIN_URL set to it; docs/operations.md)"
exec "$NGINX" -p "$(dirname "$CONF")" -c "$CONF" -g 'daemon off;'
