import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The web app's build: `npm run build:web` writes `web/dist`, which the control port serves at `/`.
 * `npm run dev:web` serves it with hot reload and passes `/api` and `/logos` to a Switchyard on
 * port 8081 (`SWITCHYARD_CONTROL_URL` to change it).
 */
const control = process.env.SWITCHYARD_CONTROL_URL ?? 'http://127.0.0.1:8081'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { '/api': control, '/logos': control },
  },
})
