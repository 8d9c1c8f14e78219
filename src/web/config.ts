/** The web servers' sections: the config view (upstream's `configVisualisation`) and the live web UI (ours). */
import type { z } from 'zod';
import type { SettingsCheck } from '../config/kit/check.ts';
import { bool, port, section, str } from '../config/kit/fields.ts';

export const configVisualisationSchema = section(
  {
    enable: bool(false, 'Serve the (masked) config view web page.'),
    host: str('localhost', 'Bind address of the config view.'),
    port: port(3100, 'TCP port of the config view.'),
    obfuscate: bool(
      true,
      'Mask host names, paths and other sensitive values in the view (secrets are always masked).',
    ),
  },
  'Config view web server.',
);

export const webUiSchema = section(
  {
    enable: bool(false, 'Serve the live web UI (overview, log events, delivery status, config view).'),
    host: str(
      '127.0.0.1',
      'Bind address of the web UI; beyond loopback it needs basic auth (httpSecurity.webConfigFile).',
    ),
    port: port(3100, 'TCP port of the web UI.'),
    allowRemoteWithoutAuth: bool(
      false,
      'Start the web UI beyond loopback without basic auth; only when a reverse proxy in front of it authenticates.',
    ),
  },
  'Live web UI (this implementation).',
);

export type ConfigVisualisationConfig = z.output<typeof configVisualisationSchema>;
export type WebUiConfig = z.output<typeof webUiSchema>;

export function checkConfigVisualisation(
  s: { configVisualisation: ConfigVisualisationConfig },
  check: SettingsCheck,
): void {
  if (!s.configVisualisation.enable) return;
  check.requireHost(
    ['configVisualisation', 'host'],
    s.configVisualisation.host,
    'configVisualisation.enable is true',
  );
}
