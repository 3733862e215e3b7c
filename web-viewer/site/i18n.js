// The languages the viewer speaks, and the one the page is read in: its words (each language
// in a file of its own, i18n-ky.js, i18n-ru.js and i18n-en.js, loaded when first chosen, so that
// a visit carries one language, not three) and its plural forms.
export const LANGS = { ky: 'Кыргызча', ru: 'Русский', en: 'English' };

const loading = {};
const loaded = {};

// Loads a language's words once; resolves when they can be used (a failed load is tried
// again the next time the language is chosen).
export function loadLanguage(lang) {
  loading[lang] ??= import(`./i18n-${lang}.js`).then((words) => { loaded[lang] = words; }, (e) => { delete loading[lang]; throw e; });
  return loading[lang];
}

// The words of a loaded language (none yet: the keys themselves show). There is no fallback to
// English, which a Kyrgyz or Russian visit does not load: every file has every key (the browser
// tests check it).
export const words = (lang) => (loaded[lang] ? loaded[lang].STRINGS : {});

// "3 места", "1 seat", "12 участок": the number formatted as the rest of the page formats it,
// then the noun in the form the language's plural rules choose (else its `other` form).
export function plural(lang, n, noun) {
  const forms = (loaded[lang] && loaded[lang].PLURALS[noun]) || { other: noun };
  let category = 'other';
  try {
    category = new Intl.PluralRules(lang).select(n);
  } catch {
    // an unknown language tag: keep 'other'
  }
  const word = forms[category] ?? forms.other;
  const num = typeof n === 'number' ? n.toLocaleString(lang === 'en' ? 'en-US' : 'ru-RU') : String(n);
  return `${num} ${word}`;
}
