/**
 * The language of the command line's own words: one at a time, Chinese by default (the office's
 * language), English with `--lang en` or a LANG that starts with `en` (en_GB.UTF-8). Set once
 * per run, before the command's action, by the program's `--lang` option.
 */
export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

/** `--lang` wins; then LANG/LC_ALL when they name Chinese or English; else Chinese. */
export function resolveLang(option: string | undefined, env: Record<string, string | undefined> = process.env): Lang {
  if (option !== undefined) {
    if (!LANGS.includes(option as Lang)) throw new Error(`--lang must be one of ${LANGS.join(', ')}, got "${option}"`);
    return option as Lang;
  }
  const locale = env.LC_ALL || env.LANG || '';
  return /^en/i.test(locale) ? 'en' : 'zh';
}

let current: Lang = 'zh';

export function setLang(lang: Lang): void {
  current = lang;
}

export function lang(): Lang {
  return current;
}

/** The words for the current language. */
export function say(zh: string, en: string): string {
  return current === 'en' ? en : zh;
}
