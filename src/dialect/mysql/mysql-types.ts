import type { ColumnCategory } from '../dialect.js';

/**
 * Maps an information_schema column to a category. `tinyint(1)` stays an integer: MySQL has no
 * boolean, and treating it as one silently would accept 2 as true (declare booleans in the mapping).
 */
export function mysqlCategory(dataType: string): ColumnCategory {
  switch (dataType.toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
    case 'bigint':
    case 'year':
      return 'integer';
    case 'decimal':
    case 'numeric':
      return 'decimal';
    case 'float':
    case 'double':
    case 'real':
      return 'float';
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'enum':
    case 'set':
      return 'text';
    case 'datetime':
    case 'timestamp':
      return 'datetime';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    case 'json':
      return 'json';
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'bit':
      return 'binary';
    default:
      return 'other';
  }
}
