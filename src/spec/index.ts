export {
  SOURCE_CATALOG,
  findSourceMetadata,
  findSourceMetadataBySlug,
  sourceLogoPath,
  type SourceMetadata,
  type IntegrationOption,
} from './source-catalog.ts'
