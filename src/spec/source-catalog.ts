/**
 * The catalog of source types: event-stream sources whose libraries send Segment's Tracking API.
 * Ids, names and slugs are Segment's own catalog metadata, so Public API clients and Terraform
 * configurations that name a `metadataId` keep working. Logos are served by Switchyard itself.
 */
export interface IntegrationOption {
  name: string
  type: string
  required: boolean
  description?: string
  defaultValue?: unknown
  label?: string
}

export interface SourceMetadata {
  id: string
  name: string
  slug: string
  description: string
  logos: { default: string; mark?: string | null; alt?: string | null }
  options: IntegrationOption[]
  categories: string[]
  isCloudEventSource: boolean
}

type Entry = [id: string, name: string, slug: string, categories: string[], description: string]

const ENTRIES: Entry[] = [
  [
    'IqDTy1TpoU',
    'Javascript',
    'javascript',
    ['Website'],
    'Websites and single-page apps, through analytics.js.',
  ],
  ['iUM16Md8P2', 'HTTP API', 'http-api', ['Server'], 'Any language or tool that can send JSON over HTTP.'],
  [
    '7XqN9rJQOG',
    'Pixel Tracking API',
    'pixel-tracking-api',
    ['Server'],
    'Email opens and other places where no code runs: a 1×1 image request.',
  ],
  ['U9mT0bPcI6', 'Node.js', 'node-js', ['Server'], 'Node.js services, through analytics-node.'],
  ['XRksQPCr7X', 'Python', 'python', ['Server'], 'Python services and jobs.'],
  ['yBvi77aEwr', 'Go', 'go', ['Server'], 'Go services.'],
  ['aACTBqIbWT', 'Ruby', 'ruby', ['Server'], 'Ruby and Rails applications.'],
  ['V6ynUvQgbc', 'Java', 'java', ['Server'], 'Java and other JVM services.'],
  ['TDO70If4mD', 'PHP', 'php', ['Server'], 'PHP applications.'],
  ['8HWbgPTt3k', '.NET', 'net', ['Server'], '.NET and C# applications.'],
  ['B6L7qzHmhI', 'Clojure', 'clojure', ['Server'], 'Clojure services.'],
  ['yMu7LRR59b', 'Kotlin', 'kotlin', ['Server'], 'Kotlin on the JVM.'],
  ['dZeHygTSD4', 'Apple', 'apple', ['Mobile'], 'iOS, iPadOS, macOS and tvOS apps, through Analytics-Swift.'],
  ['UBrsG9RVzw', 'iOS', 'ios', ['Mobile'], 'iOS apps using the classic Objective-C library.'],
  ['9EMcTqiKok', 'Kotlin (Android)', 'kotlin-android', ['Mobile'], 'Android apps, through Analytics-Kotlin.'],
  ['wXNairW5xX', 'Android', 'android', ['Mobile'], 'Android apps using the classic Java library.'],
  ['B0X0QmvMny', 'React Native', 'react-native', ['Mobile'], 'React Native apps.'],
  ['CvYws1p1ZA', 'Flutter', 'flutter', ['Mobile'], 'Flutter apps.'],
  ['wcssVcPJrc', 'Xamarin', 'xamarin', ['Mobile'], 'Xamarin apps.'],
  ['4zkHfaSKI8', 'Unity', 'unity', ['Mobile'], 'Unity games and apps.'],
  ['TNBRknbbnE', 'AMP', 'amp', ['Server', 'Mobile'], 'Accelerated Mobile Pages.'],
  ['BbupS2SB0b', 'Roku', 'roku', ['Ott'], 'Roku channels.'],
]

export const sourceLogoPath = (slug: string): string => `/logos/sources/${slug}.svg`

export const SOURCE_CATALOG: readonly SourceMetadata[] = Object.freeze(
  ENTRIES.map(([id, name, slug, categories, description]) =>
    Object.freeze({
      id,
      name,
      slug,
      description,
      logos: { default: sourceLogoPath(slug), mark: null, alt: null },
      options: [],
      categories,
      isCloudEventSource: false,
    }),
  ),
)

const BY_ID = new Map(SOURCE_CATALOG.map((m) => [m.id, m]))
const BY_SLUG = new Map(SOURCE_CATALOG.map((m) => [m.slug, m]))

export const findSourceMetadata = (id: string): SourceMetadata | undefined => BY_ID.get(id)
export const findSourceMetadataBySlug = (slug: string): SourceMetadata | undefined => BY_SLUG.get(slug)
