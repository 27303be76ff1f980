/** Configuration for the MikroORM CLI (migration:create, up, check): the app's, from the environment, keeping the schema snapshot. */
import { parseConfig } from '../config.js';
import { ormOptions } from './orm.config.js';

export default ormOptions(parseConfig(process.env).database, { snapshot: true });
