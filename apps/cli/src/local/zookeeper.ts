/**
 * The ZooKeeper of `agora local --ha`: one standalone server from Debian's `zookeeper` package,
 * run as `java … QuorumPeerMain zoo.cfg` (what `zkServer.sh start-foreground` runs) with its data
 * under the cluster's work dir, bound to 127.0.0.1 on a port of its own. Enough to watch
 * failovers on one machine; a production ensemble has three or five servers on separate hosts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const LOGGER_JAR = '/usr/share/java/slf4j-simple.jar';
export const JAVA = '/usr/bin/java';

/** Why ZooKeeper cannot run here, or undefined when it can. */
export function zookeeperMissing(): string | undefined {
  if (!existsSync(JAVA)) return `${JAVA} not found (install a JRE: apt-get install default-jre-headless)`;
  if (!existsSync(ZOOKEEPER_JAR)) return `${ZOOKEEPER_JAR} not found (apt-get install zookeeper)`;
  return undefined;
}

/** Writes the server's config under `dir` and returns the java command line. */
export function zookeeperCommand(dir: string, port: number): { command: string; args: string[] } {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const cfg = [
    'tickTime=500',
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'maxClientCnxns=0',
    'admin.enableServer=false',
    '4lw.commands.whitelist=srvr,ruok',
  ];
  writeFileSync(join(dir, 'zoo.cfg'), `${cfg.join('\n')}\n`);
  const classpath = existsSync(LOGGER_JAR) ? `${ZOOKEEPER_JAR}:${LOGGER_JAR}` : ZOOKEEPER_JAR;
  return {
    command: JAVA,
    args: ['-Xms32m', '-Xmx256m', '-XX:+UseSerialGC', '-cp', classpath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')],
  };
}

/** Whether the server serves clients (its `srvr` answer names a mode). */
export function zookeeperServing(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    const s = connect(port, '127.0.0.1', () => s.write('srvr'));
    s.setTimeout(timeoutMs, () => s.destroy());
    s.on('data', (d) => (text += d.toString()));
    s.on('close', () => resolve(/Mode: /.test(text)));
    s.on('error', () => resolve(false));
  });
}
