/**
 * @file The renderer's entry point (renderer process): global styles, then the app,
 * mounted into #app.
 */
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount Lantern into.');

export default mount(App, { target });
