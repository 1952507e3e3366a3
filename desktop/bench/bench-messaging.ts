/**
 * npm run bench:messaging — messaging, measured side by side in one run:
 *  1. send → the other client has the event, through Synapse: GovDesk's cores against a raw PUT /send + /sync loop (target: overhead ≤ 10 %);
 *  2. cold start with 1,000 cached rooms to the room list painted (target ≤ 500 ms), and the renderer's memory there (target ≤ 300 MB);
 *  3. opening a room with 10,000 cached messages to first paint (target ≤ 100 ms);
 *  4. search p95 over 1,000,000 cached messages for 1-, 2- and 3+-character Chinese queries (target ≤ 20 ms each).
 * Options: --sends=200 --rooms=1000 --roomMessages=10000 --starts=5 --messages=1000000 --repeats=20
 */
import { startHomeserver } from '../../build/homeserver/index.ts';
import { appendSection, commandLine, cpuContext, numericArgs, sectionHeader } from '../../build/lib/bench-report.ts';
import { benchLatency } from './messaging/latency.ts';
import { benchSearch } from './messaging/search.ts';
import { benchStartup } from './messaging/startup.ts';

const options = numericArgs({ sends: 200, rooms: 1_000, roomMessages: 10_000, starts: 5, messages: 1_000_000, repeats: 20 });
const { homeserver } = await startHomeserver('test');
const sections = [sectionHeader('bench:messaging — messaging in the desktop app', commandLine('bench:messaging'), [cpuContext()])];
sections.push(await benchLatency(homeserver, { sends: options.sends }));
sections.push(await benchStartup(homeserver, { rooms: options.rooms, roomMessages: options.roomMessages, starts: options.starts }));
sections.push(benchSearch({ messages: options.messages, repeats: options.repeats }));
appendSection(sections.join('\n\n'));
