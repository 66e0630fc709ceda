#!/usr/bin/env bash
# Tutorial step 3 (docs/writing-a-framework.md): a framework written in the shell with curl and jq,
# straight over the v1 scheduler HTTP API — what any language can do. It launches one command
# task, prints and acknowledges its updates, and tears the framework down when the task has ended.
# Exit status: 0 if the task finished, 1 otherwise.
#   bash frameworks/examples/tutorial/curl.sh ['shell command']
set -euo pipefail
export LC_ALL=C # RecordIO lengths count bytes: make `read -N` count bytes too
MASTER=${AGORA_MASTER:-http://127.0.0.1:5050}
COMMAND=${1:-'echo "hello from $(hostname), launched with curl"'}

# region subscribe
# SUBSCRIBE. The response stays open: headers (-i), then a RecordIO stream of events, each one
# "<length in bytes>\n<JSON>". The Mesos-Stream-Id header must go with every other call.
exec 3< <(curl -sS -N -i "$MASTER/api/v1/scheduler" \
  -H 'Content-Type: application/json' -H 'Accept: application/json' \
  -d '{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "'"$(id -un)"'", "name": "curl-hello"}}}')
CURL_PID=$!
trap 'kill $CURL_PID 2>/dev/null || true' EXIT

IFS= read -r status_line <&3
case $status_line in "HTTP/1.1 200"*) ;; *) echo "SUBSCRIBE failed: $status_line" >&2; exit 1 ;; esac
while IFS= read -r header <&3 && [ "${header%$'\r'}" != "" ]; do
  case ${header,,} in mesos-stream-id:*) STREAM_ID=$(tr -d '\r ' <<<"${header#*:}") ;; esac
done

next_event() { # one RecordIO record into $EVENT: its length line, then exactly that many bytes
  local length
  IFS= read -r length <&3 || return 1
  IFS= read -r -N "$length" EVENT <&3
}
# endregion subscribe

# region call
call() { # every other call: a POST of its own, with the stream ID; the master answers 202
  curl -sS -f "$MASTER/api/v1/scheduler" -H 'Content-Type: application/json' \
    -H "Mesos-Stream-Id: $STREAM_ID" -d "$1"
}

next_event
FRAMEWORK_ID=$(jq -r .subscribed.framework_id.value <<<"$EVENT")
echo "subscribed as $FRAMEWORK_ID"
# endregion call

# region events
LAUNCHED=false
while next_event; do
  case $(jq -r .type <<<"$EVENT") in
    OFFERS)
      # Launch on the first offer (the task is small), decline all the others.
      if [ "$LAUNCHED" = false ]; then
        call "$(jq -c --arg fid "$FRAMEWORK_ID" --arg cmd "$COMMAND" '.offers.offers[0] as $o | {
          framework_id: {value: $fid}, type: "ACCEPT",
          accept: {offer_ids: [$o.id], operations: [{type: "LAUNCH", launch: {task_infos: [{
            name: "greeting", task_id: {value: "curl-greeting"}, agent_id: $o.agent_id,
            command: {value: $cmd},
            resources: [{name: "cpus", type: "SCALAR", scalar: {value: 0.1}},
                        {name: "mem", type: "SCALAR", scalar: {value: 32}}]}]}}]}}' <<<"$EVENT")"
        LAUNCHED=true
        EVENT=$(jq -c '.offers.offers |= .[1:]' <<<"$EVENT")
      fi
      if [ "$(jq '.offers.offers | length' <<<"$EVENT")" -gt 0 ]; then
        call "$(jq -c --arg fid "$FRAMEWORK_ID" '{framework_id: {value: $fid}, type: "DECLINE",
          decline: {offer_ids: [.offers.offers[].id], filters: {refuse_seconds: 30}}}' <<<"$EVENT")"
      fi
      ;;
    UPDATE)
      STATE=$(jq -r .update.status.state <<<"$EVENT")
      MESSAGE=$(jq -r '.update.status.message // ""' <<<"$EVENT")
      echo "$(jq -r .update.status.task_id.value <<<"$EVENT"): $STATE${MESSAGE:+ ($MESSAGE)}"
      if jq -e .update.status.uuid <<<"$EVENT" >/dev/null; then # from the agent: acknowledge it
        call "$(jq -c --arg fid "$FRAMEWORK_ID" '.update.status as $s | {framework_id: {value: $fid}, type: "ACKNOWLEDGE",
          acknowledge: {agent_id: $s.agent_id, task_id: $s.task_id, uuid: $s.uuid}}' <<<"$EVENT")"
      fi
      case $STATE in
        TASK_FINISHED | TASK_FAILED | TASK_KILLED | TASK_ERROR | TASK_LOST | TASK_DROPPED | TASK_GONE*)
          call '{"framework_id": {"value": "'"$FRAMEWORK_ID"'"}, "type": "TEARDOWN"}'
          if [ "$STATE" = TASK_FINISHED ]; then exit 0; else exit 1; fi
          ;;
      esac
      ;;
    ERROR) echo "error: $(jq -r .error.message <<<"$EVENT")" >&2; exit 1 ;;
    *) ;; # HEARTBEAT, and events this framework does not use
  esac
done
echo 'the master closed the subscription' >&2
exit 1
# endregion events
