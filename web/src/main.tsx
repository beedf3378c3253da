import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { restoreSession } from './app/session';
import './app/app.css';

// A session kept from before a reload gets its client here, before anything renders.
restoreSession();

createRoot(document.getElementById('root')!).render(<App />);
