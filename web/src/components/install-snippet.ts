/**
 * What a source's page tells people to install, with the host set to this Switchyard's collector.
 * The analytics.js snippet is Segment's standard one (5.2.1) with `cdn.segment.com` replaced, so
 * analytics.js, its settings and every event come from and go to Switchyard only.
 */
export function analyticsJsSnippet(host: string, writeKey: string): string {
  return `<script>
  !function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="${host}/analytics.js/v1/" + key + "/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey="${writeKey}";analytics.SNIPPET_VERSION="5.2.1";
  analytics.load("${writeKey}");
  analytics.page();
  }}();
</script>`
}

/** Server libraries and plain HTTP: the same write key, the same host. */
export function serverSnippet(libraryName: string, host: string, writeKey: string): string {
  if (/node/i.test(libraryName))
    return `import { Analytics } from '@segment/analytics-node'

const analytics = new Analytics({ writeKey: '${writeKey}', host: '${host}' })
analytics.track({ userId: 'user-1', event: 'Signed Up', properties: { plan: 'pro' } })`
  if (/python/i.test(libraryName))
    return `import segment.analytics as analytics

analytics.write_key = '${writeKey}'
analytics.host = '${host}'
analytics.track('user-1', 'Signed Up', {'plan': 'pro'})`
  return `curl -u '${writeKey}:' -H 'content-type: application/json' \\
  -d '{"userId":"user-1","event":"Signed Up","properties":{"plan":"pro"}}' \\
  ${host}/v1/track`
}

const STORED_HOST = 'switchyard.ingestUrl'

/**
 * The collector's URL as browsers and servers reach it: what you set here, else what the server
 * says (it writes its ingest URL into the page), else this page's host on port 8080.
 */
export function ingestUrl(): string {
  const stored = localStorage.getItem(STORED_HOST)
  if (stored) return stored
  const fromServer = document.querySelector<HTMLMetaElement>('meta[name="switchyard-ingest-url"]')?.content
  if (fromServer) return fromServer
  return `${location.protocol}//${location.hostname}:8080`
}

export function setIngestUrl(url: string): void {
  if (url.trim()) localStorage.setItem(STORED_HOST, url.trim().replace(/\/+$/, ''))
  else localStorage.removeItem(STORED_HOST)
}
