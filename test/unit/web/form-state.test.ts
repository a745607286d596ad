import { expect } from 'chai';
import { applyFormState, describeChanges, FormStateStore, keptValues, plainMessage } from '../../../src/http/web/form-state.js';

const page = (form: string) => `<html><body><main><h1>Line</h1>${form}</main></body></html>`;

describe('web: a refused form shown again', () => {
  it('puts back what was typed, with the field\'s message in plain words next to it and a summary at the top', () => {
    const html = page(`<form method="post" action="/t/1/lines/2/links" class="row">
      <input type="hidden" name="_csrf" value="abc">
      <label>Link subscription <select name="subscriptionId" required><option value="">choose…</option><option value="s1">A</option><option value="s2">B</option></select></label>
      <label>Free <input name="freeQuantity" value="0" size="4"></label>
      <label>Minimum <input name="minimumQuantity" value="0" size="4"></label>
      <label class="check"><input type="checkbox" name="reviewRequired" checked> review</label>
      <textarea name="note">old</textarea>
      <button type="submit">Link</button></form>`);
    const out = applyFormState(html, {
      action: '/t/1/lines/2/links', message: 'invalid request: body.freeQuantity: a non-negative decimal with at most 6 places',
      values: { subscriptionId: 's2', freeQuantity: '-1 <b>', minimumQuantity: '3', note: 'typed "text"' },
      fields: [{ path: 'body.freeQuantity', message: 'a non-negative decimal with at most 6 places' }],
    });
    expect(out).to.match(/<option value="s2" selected>B<\/option>/);
    expect(out).not.to.match(/<option value="s1" selected>/);
    expect(out).to.include('value="-1 &lt;b&gt;"');
    expect(out).to.include('name="minimumQuantity" size="4" value="3"');
    expect(out).to.match(/<input type="checkbox" name="reviewRequired">/);
    expect(out).to.include('>typed &quot;text&quot;</textarea>');
    expect(out).to.include('name="_csrf" value="abc"');
    const input = /<input name="freeQuantity"[^>]*>/.exec(out)![0];
    expect(input).to.include('aria-invalid="true"');
    const describedBy = /aria-describedby="([^"]+)"/.exec(input)![1]!;
    expect(out).to.include(`<span class="field-error" id="${describedBy}">Free must be a number of 0 or more with at most 6 decimal places</span>`);
    const summary = out.slice(out.indexOf('<main>'), out.indexOf('<h1>'));
    expect(summary).to.include('role="alert"');
    expect(summary).to.include(`href="#${/ id="([^"]+)"/.exec(input)![1]}"`);
    expect(summary).not.to.include('invalid request');
  });

  it('shows the API\'s message when no field is named, and fields not on the form in the summary', () => {
    const out = applyFormState(page('<form method="post" action="/x"><label>Name <input name="name"></label></form>'), {
      action: '/x', message: 'a line with that name exists', values: { name: 'A' }, fields: [],
    });
    expect(out).to.include('a line with that name exists');
    expect(out).to.include('value="A"');
    const out2 = applyFormState(page('<form method="post" action="/x"></form>'), {
      action: '/x', message: 'invalid', values: {}, fields: [{ path: 'body.invoicing.paymentTermsDays', message: 'Invalid input: expected number, received NaN' }],
    });
    expect(out2).to.include('Payment terms days must be a number');
  });

  it('never keeps or echoes a password, secret or token field', () => {
    expect(keptValues({ _csrf: 'x', password: 'p', clientSecret: 's', newPassword: 'n', token: 't', accessToken: 'a', name: 'kept', list: ['a', 'b'], tokenUrl: 'https://t' }))
      .to.deep.equal({ name: 'kept', list: ['a', 'b'], tokenUrl: 'https://t' });
    const out = applyFormState(page('<form method="post" action="/c"><label>Client secret <input type="password" name="clientSecret"></label></form>'), {
      action: '/c', message: 'bad', values: { clientSecret: 'leak' }, fields: [],
    });
    expect(out).not.to.include('leak');
  });

  it('says validation messages in plain words with the field\'s label', () => {
    expect(plainMessage('Free quantity', 'a non-negative decimal with at most 6 places')).to.equal('Free quantity must be a number of 0 or more with at most 6 decimal places');
    expect(plainMessage('Tax rate', 'at most 1 (0.2 for 20 %)')).to.equal('Tax rate must be a fraction from 0 to 1 (0.2 for 20 %)');
    expect(plainMessage('Unit price', 'required when priceMode is own')).to.equal('Unit price is needed when the price is your own');
    expect(plainMessage('Description', 'Too small: expected string to have >=1 characters')).to.equal('Description is required');
    expect(plainMessage('Payment terms', 'Invalid input: expected int, received number')).to.equal('Payment terms must be a whole number');
    expect(plainMessage('Payment terms', 'Too big: expected number to be <=365')).to.equal('Payment terms must be 365 or less');
    expect(plainMessage('Customer', 'Invalid UUID')).to.equal('Choose a valid customer');
    expect(plainMessage('Current password', 'does not match')).to.equal('Current password does not match');
  });

  it('keeps a refused form once, for the session that posted it only', () => {
    let t = 0;
    const store = new FormStateStore(1000, 10, () => t);
    const s = { action: '/a', values: {}, message: 'm', fields: [] };
    const id = store.put('me', s);
    expect(store.take('someone else', id)).to.equal(null);
    const id2 = store.put('me', s);
    expect(store.take('me', id2)).to.deep.equal(s);
    expect(store.take('me', id2)).to.equal(null);
    const id3 = store.put('me', s);
    t = 5000;
    expect(store.take('me', id3)).to.equal(null);
  });

  it('says what a saved form changed', () => {
    expect(describeChanges([['freeQuantity', 'Free quantity'], ['description', 'Description']], { freeQuantity: '0', description: 'A' }, { freeQuantity: '2', description: 'A' }))
      .to.equal('Free quantity changed from 0 to 2.');
    expect(describeChanges([['d', 'Description']], { d: 'A' }, { d: 'B' })).to.equal('Description changed from "A" to "B".');
    expect(describeChanges([['d', 'Description']], { d: 'A' }, { d: 'A' })).to.equal(null);
  });
});

describe('web: a refused form shown again, more cases', () => {
  it('fills in the row\'s form that was posted when several forms post to the same place', () => {
    const row = (id: string) => `<form method="post" action="/decide"><input type="hidden" name="summaryId" value="${id}"><label>Adjusted charges <input name="adjustedCharges" value=""></label></form>`;
    const out = applyFormState(page(row('a') + row('b') + row('c')), {
      action: '/decide', message: 'bad', values: { summaryId: 'b', adjustedCharges: 'lots' }, fields: [{ path: 'body.adjustedCharges', message: 'a non-negative decimal' }],
    });
    const forms = out.split('</form>');
    expect(forms[0]).not.to.include('lots');
    expect(forms[1]).to.include('value="lots"').and.include('aria-invalid="true"');
    expect(forms[2]).not.to.include('lots');
  });

  it('keeps a message already written for people, and puts a group\'s error next to the first control of the group', () => {
    expect(plainMessage('Repeat password', 'The two new passwords differ.')).to.equal('The two new passwords differ.');
    const out = applyFormState(page('<form method="post" action="/s"><select name="usage.kind" aria-label="Usage: how often"><option value="hours">hours</option></select><input name="usage.at" value="x"></form>'), {
      action: '/s', message: 'invalid', values: { 'usage.kind': 'hours', 'usage.at': '25:00' }, fields: [{ path: 'schedule.usage', message: 'Usage: not a time of day' }],
    });
    expect(/<select name="usage.kind"[^>]*>/.exec(out)![0]).to.include('aria-invalid="true"');
    expect(out).to.include('value="25:00"');
    expect(out).to.include('>Usage: not a time of day</span>');
  });
});
