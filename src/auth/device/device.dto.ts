import { IsIn } from 'class-validator';

import { FormText } from '../../platform/forms/form-body';

/** The /device confirmation form: the code being answered and the answer. */
export class DeviceDecisionForm {
  @FormText({ trim: true })
  user_code = '';

  @FormText()
  @IsIn(['approve', 'deny'], { message: 'Choose Allow or Deny.' })
  decision = '';
}
