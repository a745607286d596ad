import { expect } from 'chai';
import { planChange, planInfo } from '../../../src/notices/plan.js';

describe('plan changes within a product family', () => {
  it('ranks tiers by the last tier word of the name', () => {
    expect(planChange('MSPbots', 'MSPbots StartUp', 'MSPbots Professional')).to.equal('plan_upgraded');
    expect(planChange('MSPbots', 'MSPbots Professional', 'MSPbots Start-Up')).to.equal('plan_downgraded');
    expect(planChange('Microsoft', 'Microsoft 365 Business Basic', 'Microsoft 365 Business Premium')).to.equal('plan_upgraded');
    expect(planChange('Microsoft', 'Microsoft 365 Business Premium', 'Microsoft 365 Business Standard')).to.equal('plan_downgraded');
    expect(planChange('Microsoft', 'Microsoft 365 E3', 'Microsoft 365 E5')).to.equal('plan_upgraded');
  });

  it('is not a plan change across families, for the same product, or when no tier can be told', () => {
    expect(planChange('Microsoft', 'Microsoft 365 Business Basic', 'Exchange Online (Plan 1)')).to.equal(null);
    expect(planChange('Dropbox', 'Dropbox Business Standard', 'dropbox business standard')).to.equal(null);
    expect(planChange('Acme', 'Acme Backup', 'Acme Backup Plus')).to.equal(null);
    expect(planInfo('MSPbots', 'MSPbots A La Carte').tier).to.equal(null);
  });

  it('calls same-family changes between equal tiers plan_changed', () => {
    expect(planChange('X', 'X Business Standard', 'X Standard')).to.equal('plan_changed');
  });
});
