// The realtime page: connects with the token given, over the notification stream or over
// Socket.IO, and lists every frame as it arrives. Either way the token never goes in a URL: the
// stream gets it as its first message, Socket.IO in its connect packet's auth.

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

// Socket.IO v5 over Engine.IO v4's WebSocket transport, as much as this page needs: the open
// packet ("0"), a connect to the default namespace with the token ("40{auth}"), pings answered
// ("2" → "3"), events ("42[name, data]") shown as they come.
function onSocketIOPacket(packet, token) {
  if (packet.startsWith("0")) socket.send(`40${JSON.stringify({ token })}`);
  else if (packet === "2") socket.send("3");
  else if (packet.startsWith("40")) setState("open");
  else if (packet.startsWith("44")) setState(`refused ${packet.slice(2)}`);
  else if (packet.startsWith("42")) show(packet.slice(2));
}

function connect(event) {
  event.preventDefault();
  if (socket) socket.close();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  const overSocketIO = $("protocol").value === "socket.io";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = overSocketIO
    ? `${scheme}//${location.host}/socket.io/?EIO=4&transport=websocket`
    : `${scheme}//${location.host}/api/v1/notifications/stream`;
  setState("connecting…");
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    $("close").disabled = false;
    if (overSocketIO) return;  // Engine.IO speaks first
    socket.send(JSON.stringify({ token }));
    setState("open");
  });
  socket.addEventListener("message", (message) => {
    if (overSocketIO) onSocketIOPacket(String(message.data), token); else show(String(message.data));
  });
  socket.addEventListener("close", (closed) => {
    setState(`closed (${closed.code}${closed.reason ? `: ${closed.reason}` : ""})`);
    $("close").disabled = true;
    socket = null;
  });
}

$("connect").addEventListener("submit", connect);
$("close").addEventListener("click", () => socket?.close(1000, "closed by the page"));
setState("not connected");
