#!/usr/bin/env bash
# Build the Docker image and really start it: in sandbox mode, and in bot mode against the
# Bot API stand-in running on the host; wait until Docker's health check says healthy,
# check the bot answers someone, stop it. Not part of `make test` (it needs a Docker
# engine, root to start one, and minutes). docs/operations.md records what it showed.
#
#   sudo deploy/docker-smoke.sh                 # base image: python:3.11-slim if present,
#                                               # else a local Debian bookworm one
#   BASE_IMAGE=python:3.11-slim deploy/docker-smoke.sh
#   LOCAL_BASE=1 deploy/docker-smoke.sh         # force the debootstrap base
#
# Where Docker Hub is out of reach, the base is built from Debian's packages:
# `debootstrap` of bookworm (Python 3.11, venv, pip), imported with `docker import`. The
# host's CA bundle is copied into it, so pip inside the build trusts what the host
# trusts (an egress proxy's CA, say). Builds use `--network host` and the classic
# builder: BuildKit would fetch the `# syntax=` frontend from Docker Hub.
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-medbot:smoke}
LOCAL_BASE_IMAGE=${LOCAL_BASE_IMAGE:-medbot-base:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${SMOKE_WORK:-/var/tmp/medbot-docker-smoke}
PYTHON=${PYTHON:-.venv/bin/python}
STANDIN_PORT=${STANDIN_PORT:-18081}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-120}
CONTAINERS=()
STANDIN_PID=

say() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }

cleanup() {
    for container in "${CONTAINERS[@]}"; do docker rm -f "$container" >/dev/null 2>&1 || true; done
    if [[ -n $STANDIN_PID ]]; then kill "$STANDIN_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

ensure_engine() {
    if docker info >/dev/null 2>&1; then return; fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "no Docker engine answers, and only root can start one" >&2
        exit 2
    fi
    if ! command -v dockerd >/dev/null; then
        say "installing docker.io"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null
    fi
    say "starting dockerd (log: $WORK/dockerd.log)"
    mkdir -p "$WORK"
    dockerd >"$WORK/dockerd.log" 2>&1 &
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && return; sleep 1; done
    echo "dockerd did not come up; see $WORK/dockerd.log" >&2
    exit 1
}

local_base() {
    if docker image inspect "$LOCAL_BASE_IMAGE" >/dev/null 2>&1; then
        say "local base $LOCAL_BASE_IMAGE already imported"
        return
    fi
    command -v debootstrap >/dev/null \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
    local rootfs=$WORK/rootfs started
    started=$(now)
    if [[ ! -x $rootfs/usr/bin/python3.11 ]]; then
        say "debootstrap bookworm into $rootfs"
        rm -rf "$rootfs"
        debootstrap --variant=minbase \
            --include=python3.11,python3-venv,python3-pip,python-is-python3,ca-certificates \
            bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log"
    fi
    ln -sf python3 "$rootfs/usr/bin/python"  # what python-is-python3 does, for older rootfs
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    say "importing $LOCAL_BASE_IMAGE"
    tar -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        - "$LOCAL_BASE_IMAGE" >/dev/null
    say "local base ready in $(since "$started")"
}

wait_healthy() {  # container name; prints the seconds it took
    local container=$1 started status
    started=$(now)
    for _ in $(seq "$HEALTH_TIMEOUT"); do
        status=$(docker inspect --format '{{.State.Health.Status}}' "$container")
        if [[ $status == healthy ]]; then
            say "$container: healthy after $(since "$started")"
            return 0
        fi
        if [[ $(docker inspect --format '{{.State.Running}}' "$container") != true ]]; then
            say "$container: exited"; docker logs --tail 30 "$container"; return 1
        fi
        sleep 1
    done
    say "$container: still '$status' after ${HEALTH_TIMEOUT} s"
    docker logs --tail 30 "$container"
    return 1
}

stop_container() {
    local container=$1 started code
    started=$(now)
    docker stop --time 10 "$container" >/dev/null
    code=$(docker inspect --format '{{.State.ExitCode}}' "$container")
    say "$container: stopped in $(since "$started"), exit code $code"
    [[ $code == 0 ]]
}

ensure_engine
mkdir -p "$WORK"
# Both modes listen on 8080 on the host's network: the port the image's health check asks.
if curl -s -o /dev/null http://127.0.0.1:8080/ 2>/dev/null; then
    echo "port 8080 is taken on this host; the image's health check needs it" >&2
    exit 2
fi
if [[ -z ${BASE_IMAGE:-} ]]; then
    if [[ -z ${LOCAL_BASE:-} ]] && docker image inspect python:3.11-slim >/dev/null 2>&1; then
        BASE_IMAGE=python:3.11-slim
    else
        local_base
        BASE_IMAGE=$LOCAL_BASE_IMAGE
    fi
fi

say "building $IMAGE on $BASE_IMAGE"
started=$(now)
DOCKER_BUILDKIT=0 docker build --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    -t "$IMAGE" . >"$WORK/build.log"
say "built in $(since "$started"); image size $(docker image inspect --format '{{.Size}}' "$IMAGE" \
    | python3 -c 'import sys; print(f"{int(sys.stdin.read()) / 1e6:.0f} MB")')"
say "user: $(docker image inspect --format '{{.Config.User}}' "$IMAGE"); healthcheck: \
$(docker image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE")"

# The image's own health check command; only its interval is shortened, so that
# "healthy" comes in seconds instead of after the first 30 s interval.
health=(--health-interval 2s --health-start-period 60s)

say "sandbox mode"
CONTAINERS+=(medbot-smoke-sandbox)
started=$(now)
docker run -d --name medbot-smoke-sandbox --network host "${health[@]}" \
    -e SANDBOX_PORT=8080 "$IMAGE" medbot sandbox >/dev/null
wait_healthy medbot-smoke-sandbox
curl -fsS -o /dev/null -w "sandbox page: HTTP %{http_code}\n" http://127.0.0.1:8080/
stop_container medbot-smoke-sandbox

say "bot mode, against the stand-in on the host"
"$PYTHON" - "$STANDIN_PORT" >"$WORK/standin.log" 2>&1 <<'EOF' &
import asyncio, sys
from bot.sandbox.standin import BotApiStandIn

async def main() -> None:
    async with BotApiStandIn(port=int(sys.argv[1]), flood_limits=False) as api:
        print("standin", api.base_url, api.token, flush=True)
        ana = api.person("Ana", language_code="es")
        await ana.send("/start")  # queued until the bot in the container polls
        found = await ana.wait_for("¿Aceptas?", timeout=300)
        print("answered:", found.text.splitlines()[0][:60], flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
EOF
STANDIN_PID=$!
for _ in $(seq 30); do grep -q '^standin' "$WORK/standin.log" && break; sleep 0.5; done
read -r _ base_url token < <(grep '^standin' "$WORK/standin.log")
CONTAINERS+=(medbot-smoke-bot)
docker run -d --name medbot-smoke-bot --network host "${health[@]}" \
    -e TELEGRAM_BOT_TOKEN="$token" \
    -e TELEGRAM_API_BASE_URL="$base_url" -e TELEGRAM_FILE_BASE_URL="${base_url%/bot}/file/bot" \
    -e ADMIN_TELEGRAM_IDS=1 "$IMAGE" \
    sh -c "medbot db upgrade && medbot seed-demo && exec medbot run" >/dev/null
wait_healthy medbot-smoke-bot
for _ in $(seq 120); do grep -q '^answered' "$WORK/standin.log" && break; sleep 0.5; done
say "stand-in: $(grep '^answered' "$WORK/standin.log" || echo 'no answer from the bot')"
grep -q '^answered' "$WORK/standin.log"
stop_container medbot-smoke-bot
say "done"
