/** Image (mesos.proto): a container image for the Mesos containerizer, Docker or AppC. */
import { bool, enumeration, message, optional, required, string, withDefault, type Infer } from '../codec/schema.ts';
import { Labels } from './common.ts';
import { Credential, Secret } from './secret.ts';

export const ImageType = enumeration('Image.Type', { APPC: 1, DOCKER: 2 });
export type ImageType = Infer<typeof ImageType>;

export const ImageAppc = message('Image.Appc', { name: required(string), id: optional(string), labels: optional(Labels) });
export type ImageAppc = Infer<typeof ImageAppc>;

/** `name` is `[REGISTRY_HOST[:PORT]/]REPOSITORY[:TAG|@TYPE:DIGEST]`; `config` holds a docker config JSON. */
export const ImageDocker = message('Image.Docker', {
  name: required(string),
  /** Deprecated since Mesos 1.3 in favour of `config`. */
  credential: optional(Credential),
  config: optional(Secret),
});
export type ImageDocker = Infer<typeof ImageDocker>;

/** With `cached: false` the image is pulled even when the agent already has it. */
export const Image = message('Image', {
  type: required(ImageType),
  appc: optional(ImageAppc),
  docker: optional(ImageDocker),
  cached: withDefault(bool, true),
});
export type Image = Infer<typeof Image>;
