// The realtime page: opens the notification stream with the token given (sent as the first
// message, as browsers cannot set headers on a WebSocket), and lists every frame as it arrives.

const $ = (id) => document.getElementById(id);
let socket = null;
let frames = 0;

function setState(text) {
  $("state").textContent = text;
  document.body.dataset.state = text.split(" ")[0];
}

function show(text) {
  frames += 1;
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
  const item = document.createElement("li");
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString();
  const body = document.createElement("pre");
  body.className = "result";
  body.textContent = shown;
  item.append(time, body);
  $("frames").prepend(item);
  $("count").textContent = `${frames} frame${frames === 1 ? "" : "s"}`;
}

function connect(event) {
  event.preventDefault();
  if (socket) socket.close();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/notifications/stream`;
  setState("connecting…");
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({ token }));
    setState("open");
    $("close").disabled = false;
  });
  socket.addEventListener("message", (message) => show(String(message.data)));
  socket.addEventListener("close", (closed) => {
    setState(`closed (${closed.code}${closed.reason ? `: ${closed.reason}` : ""})`);
    $("close").disabled = true;
    socket = null;
  });
}

$("connect").addEventListener("submit", connect);
$("close").addEventListener("click", () => socket?.close(1000, "closed by the page"));
setState("not connected");
