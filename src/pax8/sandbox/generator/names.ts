/** Word lists for generated company names and addresses. */
export const NAME_FIRST = [
  'Acme', 'Apex', 'Blue Ridge', 'Brightline', 'Cascade', 'Cedar', 'Summit', 'Copperleaf', 'Crescent', 'Delta',
  'Evergreen', 'Falcon', 'Frontier', 'Granite', 'Harbor', 'Horizon', 'Ironwood', 'Juniper', 'Keystone', 'Lakeside',
  'Liberty', 'Maple', 'Meridian', 'Northwind', 'Oakridge', 'Pinnacle', 'Prairie', 'Redwood', 'Riverbend', 'Sagebrush',
  'Silverline', 'Skyline', 'Stonebridge', 'Sunrise', 'Tidewater', 'Trailhead', 'Valley', 'Westfield', 'Willow', 'Zenith',
];
export const NAME_SECOND = [
  'Dental', 'Legal', 'Accounting', 'Logistics', 'Construction', 'Veterinary', 'Realty', 'Engineering', 'Insurance', 'Medical',
  'Consulting', 'Design', 'Manufacturing', 'Auto Group', 'Family Practice', 'Brewing', 'Credit Union', 'Architects', 'Marketing', 'Foods',
];
export const LEGAL_SUFFIXES = ['Inc', 'Inc.', 'LLC', 'Ltd', 'Co.', 'Group', 'Partners', 'PLLC', '', ''];

export interface Place {
  city: string;
  stateOrProvince: string;
  country: string;
  currency: string;
  postal: 'us' | 'ca' | 'gb' | 'au' | 'ie';
}

export const PLACES: readonly Place[] = [
  { city: 'Denver', stateOrProvince: 'CO', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Greenwood Village', stateOrProvince: 'CO', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Austin', stateOrProvince: 'TX', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Tampa', stateOrProvince: 'FL', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Columbus', stateOrProvince: 'OH', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Portland', stateOrProvince: 'OR', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Raleigh', stateOrProvince: 'NC', country: 'US', currency: 'USD', postal: 'us' },
  { city: 'Toronto', stateOrProvince: 'ON', country: 'CA', currency: 'CAD', postal: 'ca' },
  { city: 'Calgary', stateOrProvince: 'AB', country: 'CA', currency: 'CAD', postal: 'ca' },
  { city: 'Manchester', stateOrProvince: 'Greater Manchester', country: 'GB', currency: 'GBP', postal: 'gb' },
  { city: 'Leeds', stateOrProvince: 'West Yorkshire', country: 'GB', currency: 'GBP', postal: 'gb' },
  { city: 'Dublin', stateOrProvince: 'Dublin', country: 'IE', currency: 'EUR', postal: 'ie' },
  { city: 'Sydney', stateOrProvince: 'NSW', country: 'AU', currency: 'AUD', postal: 'au' },
];

export const STREETS = ['Liberty Lane', 'Quebec St', 'Commerce Ave', 'Pipeline St', 'Main St', 'Market St', 'Harbour Rd', 'King St W', 'Oak Ave'];

export const RESOURCE_GROUPS = ['rg-prod', 'rg-dev', 'rg-backup', 'rg-shared', 'rg-network', 'Company A', 'Company B', 'Finance', 'Lab'];
