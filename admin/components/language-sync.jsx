// Replaces AdminJS's LoggedIn box of the top bar with itself plus one duty: when the operator picks a
// language in the top bar's switch (AdminJS changes it in the browser only), the choice is saved on their
// account (POST <root>/language), so the server, which picks every page's language, agrees from then on.
import React, { useEffect } from 'react';
import { useTranslation } from 'adminjs';

const LanguageSync = (props) => {
  const { OriginalComponent, paths } = props;
  const { i18n } = useTranslation();
  useEffect(() => {
    const save = (locale) => {
      document.documentElement.lang = locale;
      fetch(`${paths.rootPath}/language`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ locale }),
      }).catch(() => undefined);
    };
    i18n.on('languageChanged', save);
    return () => i18n.off('languageChanged', save);
  }, [i18n, paths.rootPath]);
  return <OriginalComponent {...props} />;
};

export default LanguageSync;
