// Entry of the trap's "internet" process (see world.ts); started by trap.ts inside `unshare --net`.
import { runWorld } from './world.js';

runWorld();
