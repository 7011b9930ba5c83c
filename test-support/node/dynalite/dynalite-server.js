// Starts dynalite (npm dynalite, Apache-2.0) in memory on 127.0.0.1 and a free port, for Dynalite.java.
// dynalite's own --port flag cannot take 0 (0 falls back to 4567), so this listens on port 0 through its API.
// Protocol with the parent process: the first line on stdout is the port; when stdin closes, the server exits.
'use strict';
const dynalite = require('dynalite');

// Tables are ACTIVE at once instead of after dynalite's default 500 ms delays.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  process.stdout.write(server.address().port + '\n');
});

// dynalite throws from a request's 'error' event (its index.js: req.on('error', function (err) { throw err })), so a
// client that gives up on a request mid-body (an SDK call on a thread that a stopping mapping interrupts) ended the
// whole server, and every later call of the test class failed. An aborted request concerns only that client; any
// other uncaught error still ends the process, as before.
process.on('uncaughtException', (err) => {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    console.error('dynalite-server: a client aborted its request (' + err.message + '); serving on');
    return;
  }
  console.error(err);
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
