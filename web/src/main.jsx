// The application's entry: styles, then the App (app.jsx).
import { render } from 'preact';
import './styles.css';
import { App } from './app.jsx';

render(<App />, document.getElementById('app'));
