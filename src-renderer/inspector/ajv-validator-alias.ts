/**
 * @rjsf/core's test helper imports @rjsf/validator-ajv8, which compiles schemas with eval and
 * so cannot run under our CSP. The build resolves that import here, to our eval-free validator.
 */
import { formValidator } from './form-validator'

export default formValidator
export const customizeValidator = () => formValidator
