// The signed-in user's notifications as they happen, over the WebSocket stream. The token goes in
// the first message (a browser cannot set headers on a WebSocket, and a URL would log it); a
// renewed token is handed over on the open connection; a dropped connection comes back, asking
// for what it missed since the last notification it saw.

import { onChange, token } from "./session.js";

let socket = null;
let lastEventId = null;
let retry = null;
let handedOver = null;
const handlers = new Set();

export function onNotification(handler) {
  handlers.add(handler);
}

function open() {
  clearTimeout(retry);
  if (socket || !token()) return;
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/notifications/stream`;
  const current = new WebSocket(url);
  socket = current;
  current.addEventListener("open", () => {
    handedOver = token();
    current.send(JSON.stringify(lastEventId ? { token: handedOver, lastEventId } : { token: handedOver }));
    document.body.dataset.live = "open";
  });
  current.addEventListener("message", (message) => {
    let notification;
    try { notification = JSON.parse(String(message.data)); } catch { return; }
    if (notification.eventId) lastEventId = notification.eventId;
    for (const handler of handlers) handler(notification);
  });
  current.addEventListener("close", () => {
    if (socket === current) socket = null;
    document.body.dataset.live = "closed";
    if (token()) retry = setTimeout(open, 2000);
  });
}

onChange((user, changed) => {
  if (!user) {
    socket?.close(1000, "signed out");
    socket = null;
    lastEventId = null;
    return;
  }
  if (changed) {
    socket?.close(1000, "another user");
    socket = null;
    lastEventId = null;
  }
  if (socket?.readyState === WebSocket.OPEN && handedOver !== token()) {
    handedOver = token();
    socket.send(JSON.stringify({ token: handedOver }));
  }
  open();
});
