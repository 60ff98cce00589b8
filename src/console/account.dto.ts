import { FormText } from '../platform/forms/form-body';

/**
 * The account forms of the console. Their rules (name length, email shape, password policy, the current
 * password) are the users service's: its field errors come back next to the fields.
 */
export class NameForm {
  @FormText()
  name = '';
}

export class EmailForm {
  @FormText({ trim: true })
  email = '';

  @FormText()
  current_password = '';
}

export class PasswordForm {
  @FormText()
  current_password = '';

  @FormText()
  new_password = '';
}

export class DeleteAccountForm {
  @FormText()
  password = '';
}
