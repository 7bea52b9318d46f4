// env.proxy: proxy variables steer HTTP clients to another machine. The jail strips them from
// children, so they are a warning, not a failure. Only names are reported: values can hold
// credentials (http://user:password@proxy).
import type { Check } from '../check.js';

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'FTP_PROXY', 'NODE_USE_ENV_PROXY'];

export const envProxy: Check = {
  id: 'env.proxy',
  title: 'Proxy variables',
  async run(ctx) {
    const found = Object.keys(ctx.env)
      .filter((k) => PROXY_VARS.includes(k.toUpperCase()) && (ctx.env[k] ?? '') !== '')
      .sort();
    if (!found.length) return { status: 'pass', detail: 'no proxy variables set', data: { variables: [] } };
    return {
      status: 'warn',
      detail: `${found.join(', ')} set in this environment; they are stripped from jailed children and Hermetic never uses them`,
      data: { variables: found },
    };
  },
};
