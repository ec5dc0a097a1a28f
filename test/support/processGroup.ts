import { connect } from 'node:net';

// For commands started as a person types them (`npm start`, `npm run mock`): in their own
// process group, as a terminal's foreground job, so that what they leave behind can be seen.

/** Whether any process of the group `leader` leads is still there. */
export function groupAlive(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to 10 s for every process of the group to exit. */
export async function groupGone(leader: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100 && groupAlive(leader); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !groupAlive(leader);
}

/** Whether nothing listens on the loopback port any more. */
export function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
