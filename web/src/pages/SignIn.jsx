// Sign-in (POST /api/v1/session): name and password; the session cookie does the rest.
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { signIn } from '../session.js';
import { LanguageSwitch } from '../app.jsx';
import { useTitle } from '../components/common.jsx';

export function SignIn() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useTitle(t('signin.title'));

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(name.trim(), password);
    } catch (err) {
      setError(err.status === 401 ? t('signin.wrong')
        : err.status === 429 ? t('signin.wait')
        : err.status === 0 ? t('errors.offline') : err.message);
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <div class="signin-box">
        <LanguageSwitch />
        <h1>{t('common.app_name')}</h1>
        <p class="lead">{t('signin.lead')}</p>
        <form onSubmit={submit} noValidate>
          <label for="signin-name">{t('signin.name')}</label>
          <input id="signin-name" name="username" autoComplete="username" required dir="ltr"
                 value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for="signin-password">{t('signin.password')}</label>
          <input id="signin-password" name="password" type="password" autoComplete="current-password" required
                 value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          {error && <p class="error" role="alert">{error}</p>}
          <button type="submit" class="primary" disabled={busy || !name || !password}>{t('signin.submit')}</button>
        </form>
      </div>
    </main>
  );
}
