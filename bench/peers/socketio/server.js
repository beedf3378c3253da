// Socket.IO peer for the Netra benchmark: what a team would write with Socket.IO and nothing else.
//   node server.js PORT
// Listens on 127.0.0.1 only. Events (each acknowledged):
//   join(room)              the socket joins a room
//   publish(room, payload)  the payload goes to everyone in the room as "msg"
//   echo(payload)           the ack carries the payload back
'use strict';

const http = require('node:http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const httpServer = http.createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/health' ? 'ok' : 'not found');
});
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false });

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack();
  });
  socket.on('publish', (room, payload, ack) => {
    io.to(String(room)).emit('msg', payload);
    if (typeof ack === 'function') ack();
  });
  socket.on('echo', (payload, ack) => {
    if (typeof ack === 'function') ack(payload);
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`socket.io peer listening on http://127.0.0.1:${httpServer.address().port}`);
});

const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
